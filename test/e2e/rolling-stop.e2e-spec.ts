import { randomUUID } from 'node:crypto';
import { Api } from '../harness/http';
import { ordersFailedAcrossStop } from '../harness/load';
import { describeWith, RunningTopology, startSplit, TEST_ADMIN } from '../harness/topologies';

// Over TCP the same stop is in tcp-replicas.e2e-spec.ts, with the replica's return to its clients' rotation.
for (const transport of ['nats', 'rmq'] as const) {
  describeWith(['postgres', transport])(`the ${transport.toUpperCase()} split with two catalog processes sharing its database on Postgres`, () => {
    let topology: RunningTopology;
    let api: Api;
    let productIds: string[];
    let customerToken: string;

    beforeAll(async () => {
      topology = await startSplit('postgres', transport, { replicas: { catalog: 2 } });
      api = await new Api(topology.baseUrl).holdingToOpenApi();
      const adminToken = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken;
      productIds = [];
      for (let i = 0; i < 3; i++) {
        const created = await api.post(
          '/products',
          { sku: `ROLL-${randomUUID().slice(0, 8)}`, name: 'Rolling teapot', price: { amount: 700, currency: 'USD' }, stock: 1000 },
          { token: adminToken },
        );
        expect(created.status).toBe(201);
        productIds.push(created.body.id);
      }
      const customer = { email: `roll-${randomUUID().slice(0, 8)}@example.com`, password: 'a long password' };
      expect((await api.post('/auth/register', { ...customer, name: 'Rolling Update' })).status).toBe(201);
      customerToken = (await api.post('/auth/login', customer)).body.accessToken;
    }, 120_000);

    afterAll(async () => {
      await topology?.stop();
    }, 30_000);

    it('loses no order when one process is stopped (SIGTERM) under load: it leaves the queue and answers what it took', async () => {
      const stopped = topology.processes['catalog-2'];
      expect(await ordersFailedAcrossStop(api, customerToken, productIds, () => stopped.stop('SIGTERM'))).toEqual([]);
      expect(stopped.output()).not.toMatch(/"level":50/);
      expect(topology.processes.catalog.running).toBe(true);
    }, 90_000);
  });
}
