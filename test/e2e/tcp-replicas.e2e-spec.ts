import { randomUUID } from 'node:crypto';
import { CATALOG_PATTERNS } from '@tessera/contracts';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { failuresOf, ordersFailedAcrossStop, steadyLoad } from '../harness/load';
import { metricsOf, sample } from '../harness/metrics';
import { AppProcess } from '../harness/processes';
import { describeWith, RunningTopology, startTcpSplit, TEST_ADMIN } from '../harness/topologies';

/** How many product reads a catalog process has answered, from its own metrics. */
async function productReadsServedBy(process: AppProcess): Promise<number> {
  const exposition = await metricsOf(process.port);
  return sample(exposition, 'messaging_handler_duration_seconds_count', { pattern: CATALOG_PATTERNS.GET_PRODUCT, transport: 'tcp', outcome: 'ok' }) ?? 0;
}

describeWith(['postgres'])('the TCP split with two catalog processes at two addresses, sharing its database on Postgres', () => {
  let topology: RunningTopology;
  let api: Api;
  let productIds: string[];

  beforeAll(async () => {
    topology = await startTcpSplit('postgres', { replicas: { catalog: 2 } });
    api = await new Api(topology.baseUrl).holdingToOpenApi();
    const login = await api.post('/auth/login', TEST_ADMIN);
    expect(login.status).toBe(200);
    productIds = [];
    for (let i = 0; i < 3; i++) {
      const created = await api.post(
        '/products',
        { sku: `TCP-${randomUUID().slice(0, 8)}`, name: 'Replicated teapot', price: { amount: 700, currency: 'USD' }, stock: 1000 },
        { token: login.body.accessToken },
      );
      expect(created.status).toBe(201);
      productIds.push(created.body.id);
    }
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  it('spreads the gateway requests over both, each serving at least a third', async () => {
    const before = await Promise.all([topology.processes.catalog, topology.processes['catalog-2']].map(productReadsServedBy));
    for (let i = 0; i < 60; i++) expect((await api.get(`/products/${productIds[i % productIds.length]}`)).status).toBe(200);
    const after = await Promise.all([topology.processes.catalog, topology.processes['catalog-2']].map(productReadsServedBy));
    const served = after.map((count, replica) => count - before[replica]);
    const total = served[0] + served[1];
    expect(total).toBeGreaterThanOrEqual(60);
    for (const count of served) expect({ served, share: count * 3 >= total }).toEqual({ served, share: true });
  });

  it('loses no order when one process is stopped (SIGTERM) under load, and takes its share again once restarted', async () => {
    const email = `tcp-${randomUUID().slice(0, 8)}@example.com`;
    expect((await api.post('/auth/register', { email, password: 'a long password', name: 'Rolling Update' })).status).toBe(201);
    const token = (await api.post('/auth/login', { email, password: 'a long password' })).body.accessToken;
    const stopped = topology.processes['catalog-2'];
    // A reservation the stopping process had taken is answered; one sent to it while it stops, or once it is gone,
    // is sent to the other process, since it never ran.
    expect(await ordersFailedAcrossStop(api, token, productIds, () => stopped.stop('SIGTERM'))).toEqual([]);
    expect(stopped.output()).not.toMatch(/"level":50/);

    const restarted = stopped.restart();
    topology.processes['catalog-2'] = restarted;
    // Back in the gateway's rotation once a probe finds it answering; the pause between probes grows while it is down.
    await untilPasses(
      async () => {
        for (const id of productIds) expect((await api.get(`/products/${id}`)).status).toBe(200);
        expect(await productReadsServedBy(restarted)).toBeGreaterThan(0);
      },
      60_000,
      200,
    );
    // Its waits are bounded by their own deadlines (30 s, 30 s and 60 s); typically it takes a few seconds.
  }, 150_000);

  it('loses no query when one process is killed (SIGKILL) under load, and the other serves on', async () => {
    const survivor = topology.processes.catalog;
    const reads = steadyLoad(8, async (worker, iteration) => ({
      label: 'GET /products/:id',
      response: await api.get(`/products/${productIds[(worker + iteration) % productIds.length]}`),
    }));
    // Counted, not timed: the kill comes once both processes are surely in the middle of it.
    await untilPasses(() => expect(reads.samples.length).toBeGreaterThan(40), 20_000, 20);
    const servedBeforeKill = await productReadsServedBy(survivor);
    const killedAt = Date.now();
    await topology.processes['catalog-2'].stop('SIGKILL');
    await untilPasses(() => expect(reads.samples.filter((read) => read.startedAt > killedAt).length).toBeGreaterThan(80), 30_000, 50);
    const samples = await reads.stop();

    // A read the killed process had in hand, or was about to be sent, is retried on the other.
    expect(failuresOf(samples, killedAt)).toEqual([]);
    expect(await productReadsServedBy(survivor)).toBeGreaterThanOrEqual(servedBeforeKill + 80);
    expect(survivor.running).toBe(true);
    // One replica down is not the context down: its circuit stays closed.
    const gatewayMetrics = await metricsOf(topology.processes.gateway.port);
    expect(sample(gatewayMetrics, 'circuit_breaker_open', { context: 'catalog' })).toBe(0);
    expect(sample(gatewayMetrics, 'tcp_replicas', { context: 'catalog', state: 'ejected' })).toBe(1);
    expect((await api.get('/health/ready')).status).toBe(200);
  });
});
