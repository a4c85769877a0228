import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Api } from '../harness/http';
import { createTestDatabase, POSTGRES_ADMIN_URL } from '../harness/postgres';
import { describeWith, RunningTopology, startMonolithOnDatabase, TEST_ADMIN } from '../harness/topologies';

/**
 * A Postgres plan allows so many connections (20 to 50 on small managed
 * ones), and every process and replica of the shop opens its own. A monolith
 * opened up to 40 whatever it was told (ten for each of its four contexts):
 * on a server allowing 20, one request in six of a load of orders answered
 * 503 "too many clients". DATABASE_POOL_SIZE bounds each context's pool.
 */
const POOL_SIZE = 2;
const CONTEXTS = 4;
const CLIENTS = 16;

describeWith(['postgres'])('the connections a monolith opens on Postgres', () => {
  let monolith: RunningTopology;
  let api: Api;
  let database: { url: string; name: string; drop: () => Promise<void> };

  beforeAll(async () => {
    const created = await createTestDatabase();
    database = { ...created, name: new URL(created.url).pathname.slice(1) };
    monolith = await startMonolithOnDatabase(database.url, 'database-pool', { DATABASE_POOL_SIZE: String(POOL_SIZE) });
    api = await new Api(monolith.baseUrl).holdingToOpenApi();
  }, 120_000);

  afterAll(async () => {
    await monolith?.stop();
    await database?.drop();
  }, 30_000);

  it(`keeps to DATABASE_POOL_SIZE connections a context under a load of ${CLIENTS} clients ordering and paying, and serves them all`, async () => {
    const adminToken = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken;
    const product = await api.post(
      '/products',
      { sku: `POOL-${randomUUID().slice(0, 8)}`, name: 'Pooled', price: { amount: 500, currency: 'USD' }, stock: 10_000 },
      { token: adminToken },
    );
    expect(product.status).toBe(201);

    // Read from the server's side, on a connection to another database, so that the sampler is not counted.
    const sampler = new Client({ connectionString: POSTGRES_ADMIN_URL });
    await sampler.connect();
    let mostOpen = 0;
    let loadDone = false;
    const sampling = (async () => {
      while (!loadDone) {
        const { rows } = await sampler.query('SELECT count(*)::int AS open FROM pg_stat_activity WHERE datname = $1', [database.name]);
        mostOpen = Math.max(mostOpen, rows[0].open);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const statuses: number[] = [];
    try {
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          const email = `pool-${client}-${randomUUID()}@example.com`;
          await api.post('/auth/register', { email, password: 'a long password', name: 'Pooled' });
          const token = (await api.post('/auth/login', { email, password: 'a long password' })).body.accessToken;
          for (let round = 0; round < 5; round++) {
            const placed = await api.post('/orders', { items: [{ productId: product.body.id, quantity: 1 }] }, { token });
            const paid = await api.post('/payments', { orderId: placed.body.id, paymentMethod: 'pm_card_visa' }, { token });
            const read = await api.get(`/products/${product.body.id}`);
            statuses.push(placed.status, paid.status, read.status);
          }
        }),
      );
    } finally {
      loadDone = true;
      await sampling;
      await sampler.end();
    }

    expect(statuses.filter((status) => status >= 300)).toEqual([]);
    expect(mostOpen).toBeGreaterThan(0);
    expect(mostOpen).toBeLessThanOrEqual(POOL_SIZE * CONTEXTS);
  }, 120_000);
});
