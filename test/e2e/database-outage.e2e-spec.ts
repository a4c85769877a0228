import { Client } from 'pg';
import { metricsOf, sample } from '../harness/metrics';
import { expectProblem } from './expectations';
import { Api } from '../harness/http';
import { createTestDatabase, POSTGRES_ADMIN_URL } from '../harness/postgres';
import { describeWith } from '../harness/services';
import { TcpProxy } from '../harness/tcp-proxy';
import { RunningTopology, startMonolith, startSplit, untilEveryContextAnswers } from '../harness/topologies';
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
    const api = await new Api(topology.baseUrl).holdingToOpenApi();
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

// The catalog process's database cut off by a network partition in a TCP split: its queries are neither answered nor
// refused. Its process says it is not ready and still answers Prometheus, the gateway stays ready and names catalog in
// /health/contexts, clients get a 503 to retry, and all of it mends once the database answers again.
describeWith(['postgres'])("a context's database that hangs, in a split", () => {
  let topology: RunningTopology;
  let catalogDb: { url: string; drop: () => Promise<void> };
  let partition: TcpProxy;

  beforeAll(async () => {
    catalogDb = await createTestDatabase();
    partition = await TcpProxy.to(catalogDb.url);
    // A short statement timeout, so that a connection nothing answers is given up within seconds (ADR 0021).
    const catalogEnv = { CATALOG_DATABASE_URL: partition.urlThrough(catalogDb.url), DATABASE_STATEMENT_TIMEOUT_MS: '2000' };
    topology = await startSplit('postgres', 'tcp', { processEnv: { catalog: catalogEnv } });
  }, 120_000);

  afterAll(async () => {
    await partition?.restore();
    await topology?.stop();
    await partition?.cut();
    await catalogDb?.drop();
  }, 60_000);

  it("is not ready, answers its metrics without the catalog's backlog, and the gateway answers 503 CONTEXT_UNAVAILABLE until it answers again", async () => {
    const api = await new Api(topology.baseUrl).holdingToOpenApi();
    const catalog = topology.processes.catalog;
    const catalogApi = new Api(`http://127.0.0.1:${catalog.port}`);
    expect((await api.get('/products')).status).toBe(200);

    partition.hang();

    await untilPasses(
      async () => {
        const ready = await catalogApi.get('/health/ready');
        expect({ status: ready.status, failing: Object.keys(ready.body?.error ?? {}) }).toEqual({ status: 503, failing: ['catalog'] });
      },
      30_000,
      200,
    );
    expectProblem(await api.get('/products'), 503, 'CONTEXT_UNAVAILABLE');
    // Two scrapes, the second while the first one's backlog query still waits: Prometheus must not see the process down.
    for (let scrape = 0; scrape < 2; scrape++) {
      const scraped = await metricsOf(catalog.port);
      expect(sample(scraped, 'outbox_pending_events', { context: 'catalog' })).toBeUndefined();
      expect(sample(scraped, 'dead_letters', { context: 'catalog' })).toBeUndefined();
      expect(scraped).toContain('process_cpu_seconds_total');
    }
    expect((await api.get('/health/ready')).status).toBe(200);
    expect((await api.get('/health/contexts')).body.contexts.catalog.status).not.toBe('up');

    await partition.restore();

    await untilPasses(async () => expect((await api.get('/products')).status).toBe(200), 30_000, 200);
    await untilPasses(async () => expect((await catalogApi.get('/health/ready')).status).toBe(200), 30_000, 200);
    await untilPasses(async () => expect(sample(await metricsOf(catalog.port), 'outbox_pending_events', { context: 'catalog' })).toBe(0), 30_000, 200);
    await untilEveryContextAnswers(topology.baseUrl);
  }, 120_000);

  // A failover to a server on another address, or a NAT that forgot its table: the connections made before lead
  // nowhere for good, neither answered nor closed. Only the deadline on an answer lets the context give them up.
  it('serves again once its database is back on another host, the connections that led to the old one given up', async () => {
    const api = await new Api(topology.baseUrl).holdingToOpenApi();
    const catalogApi = new Api(`http://127.0.0.1:${topology.processes.catalog.port}`);
    await untilPasses(async () => expect((await api.get('/products')).status).toBe(200), 30_000, 200);

    partition.hang();
    await untilPasses(async () => expect((await catalogApi.get('/health/ready')).status).toBe(503), 30_000, 200);
    // More reads at once than the catalog's pool has connections, as a shop under load sends: each of its
    // connections is then one that leads to the old host.
    const reads = await Promise.all(Array.from({ length: 15 }, () => api.get('/products')));
    for (const read of reads) expectProblem(read, 503, 'CONTEXT_UNAVAILABLE');

    partition.abandon();

    await untilPasses(async () => expect((await api.get('/products')).status).toBe(200), 60_000, 200);
    await untilPasses(async () => expect((await catalogApi.get('/health/ready')).status).toBe(200), 30_000, 200);
    await untilEveryContextAnswers(topology.baseUrl);
    // What an operator sees of it: the connections given up, and the pool serving on new ones.
    const scraped = await metricsOf(topology.processes.catalog.port);
    expect(sample(scraped, 'db_client_connections_given_up_total', { context: 'catalog', reason: 'unanswered' })).toBeGreaterThan(0);
    expect(sample(scraped, 'db_client_connections_given_up_total', { context: 'catalog', reason: 'read_only' })).toBe(0);
    expect(sample(scraped, 'db_client_connection_count', { context: 'catalog', state: 'idle' })).toBeGreaterThan(0);
    // Present, whatever it reads: the scrape's own backlog queries may be waiting for a connection as it is read.
    expect(sample(scraped, 'db_client_connection_pending_requests', { context: 'catalog' })).toEqual(expect.any(Number));
  }, 120_000);
});
