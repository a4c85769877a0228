import { expectProblem } from './expectations';
import { Api } from '../harness/http';
import { TEST_NATS_URL, TEST_RABBITMQ_URL } from '../harness/brokers';
import { describeWith } from '../harness/services';
import { TcpProxy } from '../harness/tcp-proxy';
import { RunningTopology, startSplit, untilEveryContextAnswers } from '../harness/topologies';
import { untilPasses } from '../harness/eventually';

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
      const api = new Api(topology.baseUrl);
      expect((await api.get('/products')).status).toBe(200);
      link.hang();
      expectProblem(await api.get('/products'), 503, 'CONTEXT_UNAVAILABLE');
      link.abandon();
      // The client's own keepalive finds the connection dead (two missed heartbeats or pings, 5 s apart) and makes a new one.
      await untilPasses(async () => expect((await api.get('/products')).status).toBe(200), 90_000, 200);
      await untilEveryContextAnswers(topology.baseUrl);
    }, 180_000);
  });
}
