import { Client } from 'pg';
import { metricsOf, sample } from '../harness/metrics';
import { expectProblem } from './expectations';
import { Api } from '../harness/http';
import { createTestDatabase, POSTGRES_ADMIN_URL } from '../harness/postgres';
import { describeWith } from '../harness/services';
import { RunningTopology, startMonolith } from '../harness/topologies';
import { untilPasses } from '../harness/eventually';

// The catalog's database closed to connections while the monolith runs: what a client meets is a 503 to retry, not a
// 500, and the shop serves again as soon as the database does.
describeWith(['postgres'])("a context's database that stops serving", () => {
  let topology: RunningTopology;
  let catalogDb: { url: string; drop: () => Promise<void> };
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });

  const databaseName = () => new URL(catalogDb.url).pathname.slice(1);
  const allowConnections = (allowed: boolean) => admin.query(`ALTER DATABASE "${databaseName()}" ALLOW_CONNECTIONS ${allowed}`);

  beforeAll(async () => {
    catalogDb = await createTestDatabase();
    topology = await startMonolith('postgres', { CATALOG_DATABASE_URL: catalogDb.url });
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    await allowConnections(true).catch(() => undefined);
    await admin.end();
    await topology?.stop();
    await catalogDb?.drop();
  });

  it('answers 503 CONTEXT_UNAVAILABLE while it is closed, and serves again once it opens', async () => {
    const api = new Api(topology.baseUrl);
    expect((await api.get('/products')).status).toBe(200);

    await allowConnections(false);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [databaseName()]);
    const closed = await api.get('/products');
    expectProblem(closed, 503, 'CONTEXT_UNAVAILABLE');
    expect(JSON.stringify(closed.body)).not.toMatch(/accepting connections|terminat|SELECT|catalog\./);
    expect((await api.get('/health/live')).status).toBe(200);
    // Scraped as ever, so that Prometheus sees a database down and not a process down; the catalog's backlog is left out.
    const scraped = await metricsOf(Number(new URL(topology.baseUrl).port));
    expect(sample(scraped, 'outbox_pending_events', { context: 'catalog' })).toBeUndefined();
    expect(sample(scraped, 'outbox_pending_events', { context: 'ordering' })).toBeGreaterThanOrEqual(0);

    await allowConnections(true);
    await untilPasses(async () => expect((await api.get('/products')).status).toBe(200), 30_000, 200);
  }, 60_000);
});
