import { setTimeout as sleep } from 'node:timers/promises';
import { LATE_REQUEST_ALLOWANCE_MS } from '@tessera/messaging';
import { Api } from '../harness/http';
import { untilPasses } from '../harness/eventually';
import { RunningTopology, startSplit } from '../harness/topologies';
import { expectProblem } from './expectations';
import { shelfAndBuyer } from './shelf-and-buyer';

// Every request of the split has this long, the setup's too: at 1 s, a registration (its password hashed) on a busy
// CI machine was once answered 503 before the scenario began.
const REQUEST_TIMEOUT_MS = 5000;

// Ordering's process frozen (SIGSTOP: a stopped container, a paused VM) while the gateway sends it an order: the
// request waits in its socket, the gateway answers 503, and a client told to try again may well have. Thawed long
// after, ordering reads the request: it must not place that order then.
describe('a request that reaches its context long after its caller gave up, in a TCP split', () => {
  let topology: RunningTopology;

  beforeAll(async () => {
    topology = await startSplit('embedded', 'tcp', { env: { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) } });
  }, 120_000);

  afterAll(async () => {
    topology?.processes.ordering.signal('SIGCONT');
    await topology?.stop();
  }, 60_000);

  it('is not run: the order the gateway answered 503 for is never placed, and its stock stays on the shelf', async () => {
    const api = new Api(topology.baseUrl);
    const { productId, token } = await shelfAndBuyer(api, 'Late', 10);
    const ordering = topology.processes.ordering;

    ordering.signal('SIGSTOP');
    const unanswered = await api.post('/orders', { items: [{ productId, quantity: 3 }] }, { token });
    expectProblem(unanswered, 503, 'CONTEXT_UNAVAILABLE');
    // Frozen past the request's deadline and the room left for clocks that differ: the time is the scenario itself.
    await sleep(REQUEST_TIMEOUT_MS + LATE_REQUEST_ALLOWANCE_MS + 2000);
    ordering.signal('SIGCONT');

    await untilPasses(() => expect(ordering.output()).toMatch(/ordering\.place-order arrived \d+ s after its sender's deadline and was not run/), 30_000, 200);
    await untilPasses(async () => expect((await api.get('/orders', { token })).status).toBe(200), 30_000, 200);
    expect((await api.get('/orders', { token })).body.total).toBe(0);
    expect((await api.get(`/products/${productId}`)).body.stock).toBe(10);
    // Thawed, ordering serves as before.
    expect((await api.post('/orders', { items: [{ productId, quantity: 1 }] }, { token })).status).toBe(201);
  }, 120_000);
});
