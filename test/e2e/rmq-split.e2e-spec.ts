import { rabbitQueuesNamed, removeRabbitNamespace, TEST_RABBITMQ_URL, testNamespace } from '../harness/brokers';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { metricsOf, sample } from '../harness/metrics';
import { waitForStatus } from '../harness/processes';
import { TcpProxy } from '../harness/tcp-proxy';
import { describeWith, startSplit, type RunningTopology } from '../harness/topologies';
import { describeApi } from './api.suite';
import { shelfAndBuyer } from './shelf-and-buyer';

describeWith(['postgres', 'rmq'])('the gateway and the four contexts as five processes over RabbitMQ on Postgres', () => {
  // One process with a timeout of its own, as during a rollout of a new REQUEST_TIMEOUT_MS: every process declares
  // the request queues alike whatever its timeout, so none is refused by the broker.
  describeApi(() => startSplit('postgres', 'rmq', { processEnv: { users: { REQUEST_TIMEOUT_MS: '8000' } } }));
});

// The same processes as a RabbitMQ cluster's deployment configures them (ADR 0026). The messaging contract holds
// every promise of the transport to quorum queues already; this holds the apps' configuration to it.
// As on a cluster (ADR 0026): quorum queues, and two nodes listed in RABBITMQ_URL. The first is a link of the test's
// own to the machine's broker, which one case cuts as a node that stopped (its connections reset, new ones refused);
// the second is the broker itself.
describeWith(['postgres', 'rmq'])('the same five processes with RABBITMQ_EVENT_QUEUE_TYPE=quorum and two nodes in RABBITMQ_URL', () => {
  const namespace = testNamespace('e2e-quorum');
  let topology: RunningTopology;
  let firstNode: TcpProxy;

  beforeAll(async () => {
    firstNode = await TcpProxy.to(TEST_RABBITMQ_URL);
    topology = await startSplit('postgres', 'rmq', {
      env: {
        RABBITMQ_EVENT_QUEUE_TYPE: 'quorum',
        MESSAGING_NAMESPACE: namespace,
        RABBITMQ_URL: `${firstNode.urlThrough(TEST_RABBITMQ_URL)},${TEST_RABBITMQ_URL}`,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
    await firstNode?.cut();
    await removeRabbitNamespace(namespace);
  }, 60_000);

  it("keeps the contexts' events in quorum queues, through which an order's confirmation reaches the catalog", async () => {
    const api = await new Api(topology.baseUrl).holdingToOpenApi();
    const { productId, token } = await shelfAndBuyer(api, 'quorum', 5);
    const order = await api.post('/orders', { items: [{ productId, quantity: 2 }] }, { token });
    expect(order.status).toBe(201);
    expect((await api.post('/payments', { orderId: order.body.id, paymentMethod: 'pm_card_visa' }, { token })).status).toBe(201);

    await untilPasses(
      async () => {
        const catalog = await metricsOf(topology.processes.catalog.port);
        expect(sample(catalog, 'messaging_events_processed_total', { pattern: 'ordering.order.confirmed', consumer: 'catalog', outcome: 'processed' })).toBe(1);
      },
      30_000,
      250,
    );
    const eventQueues = (await rabbitQueuesNamed(`${namespace}.`)).filter(
      (queue) => /\.events(\.retry-\d+ms)?$/.test(queue.name) && !queue.name.includes('.gateway.'),
    );
    expect(eventQueues.length).toBeGreaterThan(0);
    expect(eventQueues.filter((queue) => queue.type !== 'quorum')).toEqual([]);
  }, 60_000);

  it('confirms orders through the second node once the first stops, and a process started meanwhile starts on it', async () => {
    const api = await new Api(topology.baseUrl).holdingToOpenApi();
    const { productId, token } = await shelfAndBuyer(api, 'nodes', 100);
    // RabbitMQ's clients take the nodes in the order listed: every process is connected through the first.
    expect(firstNode.connectionsMade).toBeGreaterThan(0);

    await firstNode.cut();
    await untilPasses(() => expectPlacedAndConfirmed(api, productId, token), 60_000, 500);

    await topology.processes.ordering.stop();
    const ordering = (topology.processes.ordering = topology.processes.ordering.restart());
    await waitForStatus(`http://127.0.0.1:${ordering.port}/health/ready`, 200, [ordering]);
    await untilPasses(() => expectPlacedAndConfirmed(api, productId, token), 60_000, 500);
  }, 180_000);
});

async function expectPlacedAndConfirmed(api: Api, productId: string, token: string): Promise<void> {
  const order = await api.post('/orders', { items: [{ productId, quantity: 1 }] }, { token });
  expect(order.status).toBe(201);
  expect((await api.post('/payments', { orderId: order.body.id, paymentMethod: 'pm_card_visa' }, { token })).status).toBe(201);
  await untilPasses(async () => expect((await api.get(`/orders/${order.body.id}`, { token })).body.status).toBe('CONFIRMED'), 15_000, 250);
}
