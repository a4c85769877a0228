import { expectToServeAgainAfterAbandon } from './link-partition';
import { TEST_NATS_URL, TEST_RABBITMQ_URL } from '../harness/brokers';
import { describeWith } from '../harness/services';
import { TcpProxy } from '../harness/tcp-proxy';
import { RunningTopology, startSplit } from '../harness/topologies';

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
