import { expectToServeAgainAfterAbandon } from './link-partition';
import { TEST_NATS_URL, TEST_RABBITMQ_URL } from '../harness/brokers';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { waitForStatus } from '../harness/processes';
import { describeWith } from '../harness/services';
import { TcpProxy } from '../harness/tcp-proxy';
import { RunningTopology, startSplit } from '../harness/topologies';
import { shelfAndBuyer } from './shelf-and-buyer';

// The gateway reaches the broker over a link of the test's own, which then stops carrying anything and is abandoned, as
// a partition, or a broker back on another machine behind the same address, leaves a connection: neither answered
// nor closed. The TCP transport's counterpart is tcp-partition.
for (const [transport, url, variable] of [
  ['rmq', TEST_RABBITMQ_URL, 'RABBITMQ_URL'],
  ['nats', TEST_NATS_URL, 'NATS_URL'],
] as const) {
  describeWith([transport])(`the gateway's link to the broker that stops carrying anything, on the ${transport} split`, () => {
    let topology: RunningTopology;
    let link: TcpProxy;

    beforeAll(async () => {
      link = await TcpProxy.to(url);
      topology = await startSplit('embedded', transport, { processEnv: { gateway: { [variable]: link.urlThrough(url) } } });
    }, 120_000);

    afterAll(async () => {
      await link?.restore();
      await topology?.stop();
      await link?.cut();
    }, 60_000);

    it('answers 503 while the link carries nothing, and serves again once the broker is reachable again', async () => {
      // The client's own keepalive finds the connection dead (two missed heartbeats or pings, 5 s apart) and makes a new one.
      await expectToServeAgainAfterAbandon(topology, link, 90_000);
    }, 180_000);
  });
}

// A process whose NATS_URL or RABBITMQ_URL lists two nodes of a cluster carries on through the other when the one it
// is connected to stops (ADR 0026), and starts while that one is still down. The first node is a link of the test's
// own to the machine's broker, cut as a node that stopped (its connections reset, new ones refused); the second is
// the broker itself. RabbitMQ's client takes the nodes in the order listed, NATS's in random order.
for (const [transport, url, variable] of [
  ['rmq', TEST_RABBITMQ_URL, 'RABBITMQ_URL'],
  ['nats', TEST_NATS_URL, 'NATS_URL'],
] as const) {
  describeWith([transport])(`the ${transport} split with two nodes in ${variable}, when the one its processes use stops`, () => {
    let topology: RunningTopology;
    let firstNode: TcpProxy;

    beforeAll(async () => {
      firstNode = await TcpProxy.to(url);
      topology = await startSplit('embedded', transport, { env: { [variable]: `${firstNode.urlThrough(url)},${url}` } });
    }, 120_000);

    afterAll(async () => {
      await topology?.stop();
      await firstNode?.cut();
    }, 60_000);

    it('confirms orders through the other node, and a process started meanwhile starts on it', async () => {
      const api = await new Api(topology.baseUrl).holdingToOpenApi();
      const { productId, token } = await shelfAndBuyer(api, `nodes-${transport}`, 100);
      await expectPlacedAndConfirmed(api, productId, token);
      expect(firstNode.connectionsMade).toBeGreaterThan(0);

      await firstNode.cut();
      await untilPasses(() => expectPlacedAndConfirmed(api, productId, token), 60_000, 500);

      await topology.processes.ordering.stop();
      const ordering = (topology.processes.ordering = topology.processes.ordering.restart());
      await waitForStatus(`http://127.0.0.1:${ordering.port}/health/ready`, 200, [ordering]);
      await untilPasses(() => expectPlacedAndConfirmed(api, productId, token), 60_000, 500);
    }, 240_000);
  });
}

async function expectPlacedAndConfirmed(api: Api, productId: string, token: string): Promise<void> {
  const order = await api.post('/orders', { items: [{ productId, quantity: 1 }] }, { token });
  expect(order.status).toBe(201);
  expect((await api.post('/payments', { orderId: order.body.id, paymentMethod: 'pm_card_visa' }, { token })).status).toBe(201);
  await untilPasses(async () => expect((await api.get(`/orders/${order.body.id}`, { token })).body.status).toBe('CONFIRMED'), 15_000, 250);
}
