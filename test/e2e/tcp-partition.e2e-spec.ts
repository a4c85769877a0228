import { expectToServeAgainAfterAbandon } from './link-partition';
import { freePort } from '../harness/processes';
import { TcpProxy } from '../harness/tcp-proxy';
import { RunningTopology, startSplit } from '../harness/topologies';

// The gateway reaches the catalog over a link of the test's own: a partition on it neither answers nor closes what the
// gateway sent, as a network that dropped its packets, or a context back on another address, leaves a connection.
describe('a TCP link to a context that stops carrying anything, in a split', () => {
  let topology: RunningTopology;
  let link: TcpProxy;

  beforeAll(async () => {
    const catalogAddress = `127.0.0.1:${await freePort()}`;
    link = await TcpProxy.to(`tcp://${catalogAddress}`);
    topology = await startSplit('embedded', 'tcp', {
      env: { CATALOG_TCP_ADDRESS: catalogAddress, REQUEST_TIMEOUT_MS: '1500' },
      processEnv: { gateway: { CATALOG_TCP_ADDRESS: `127.0.0.1:${link.port}` } },
    });
  }, 120_000);

  afterAll(async () => {
    await link?.restore();
    await topology?.stop();
    await link?.cut();
  }, 60_000);

  it('answers 503 while the link carries nothing, and serves again once the context is reachable at its address again', async () => {
    await expectToServeAgainAfterAbandon(topology, link, 60_000);
  }, 120_000);
});
