import { rabbitQueuesNamed, removeRabbitNamespace, testNamespace } from '../harness/brokers';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { metricsOf, sample } from '../harness/metrics';
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
describeWith(['postgres', 'rmq'])('the same five processes with RABBITMQ_EVENT_QUEUE_TYPE=quorum', () => {
  const namespace = testNamespace('e2e-quorum');
  let topology: RunningTopology;

  beforeAll(async () => {
    topology = await startSplit('postgres', 'rmq', { env: { RABBITMQ_EVENT_QUEUE_TYPE: 'quorum', MESSAGING_NAMESPACE: namespace } });
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
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
});
