import { expectProblem } from './expectations';
import { Api } from '../harness/http';
import { TcpProxy } from '../harness/tcp-proxy';
import { RunningTopology, untilEveryContextAnswers } from '../harness/topologies';
import { untilPasses } from '../harness/eventually';

/**
 * What the gateway must do when `link`, which carries one of its connections, stops carrying anything and is then
 * abandoned, as a partition, or a service back on another machine behind the same address, leaves a connection:
 * answer 503 meanwhile, and serve again by itself within `recoveryMs` once the other side can be reached anew.
 */
export async function expectToServeAgainAfterAbandon(topology: RunningTopology, link: TcpProxy, recoveryMs: number): Promise<void> {
  const api = await new Api(topology.baseUrl).holdingToOpenApi();
  expect((await api.get('/products')).status).toBe(200);

  link.hang();
  expectProblem(await api.get('/products'), 503, 'CONTEXT_UNAVAILABLE');

  link.abandon();

  await untilPasses(async () => expect((await api.get('/products')).status).toBe(200), recoveryMs, 200);
  await untilEveryContextAnswers(topology.baseUrl);
}
