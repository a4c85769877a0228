import { Api } from '../harness/http';
import { databasesUnderTest, RunningTopology, startSplit } from '../harness/topologies';
import { describeApi } from './api.suite';

describe.each(databasesUnderTest())('the gateway and the four contexts as five processes over TCP on the %s database', (database) => {
  describeApi(() => startSplit(database, 'tcp'));
});

describe('a split whose catalog process stops', () => {
  let topology: RunningTopology;

  beforeAll(async () => {
    topology = await startSplit('embedded', 'tcp');
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  it('answers 503 CONTEXT_UNAVAILABLE and names catalog down in /health/contexts, while users still works and the gateway stays ready', async () => {
    const api = new Api(topology.baseUrl);
    await topology.processes.catalog.stop();

    const products = await api.get('/products');
    expect(products.status).toBe(503);
    expect(products.body.code).toBe('CONTEXT_UNAVAILABLE');

    // Readiness is the gateway's own: a load balancer must not take it out for one context that is down.
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(200);
    const reached = await api.get('/health/contexts');
    expect(reached.status).toBe(200);
    expect(reached.body.contexts.catalog.status).toMatch(/^(down|circuit-open)$/);
    expect(reached.body.contexts).toMatchObject({ users: { status: 'up' }, ordering: { status: 'up' }, payments: { status: 'up' } });

    expect((await api.get('/health/live')).status).toBe(200);
    expect((await api.post('/auth/login', { email: 'nobody@example.com', password: 'whatever it is' })).status).toBe(401);
  });
});
