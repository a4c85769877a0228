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

  it('answers 503 CONTEXT_UNAVAILABLE and names catalog in readiness, while users still works', async () => {
    const api = new Api(topology.baseUrl);
    await topology.processes.catalog.stop();

    const products = await api.get('/products');
    expect(products.status).toBe(503);
    expect(products.body.code).toBe('CONTEXT_UNAVAILABLE');

    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error).toHaveProperty('catalog');
    expect(ready.body.info).toHaveProperty('users');

    expect((await api.get('/health/live')).status).toBe(200);
    expect((await api.post('/auth/login', { email: 'nobody@example.com', password: 'whatever it is' })).status).toBe(401);
  });
});
