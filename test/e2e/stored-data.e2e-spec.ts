import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { createTestDatabase } from '../harness/postgres';
import { describeWith, RunningTopology, startMonolithOnDatabase, TEST_ADMIN } from '../harness/topologies';

/**
 * A row the domain refuses (edited by hand, or written by a version whose rules allowed more, as after a rollback)
 * is the server's fault. It answered the caller 400 VALIDATION_FAILED, as if the request were wrong, and the log said
 * nothing, so nobody who could mend it heard of it.
 */
describeWith(['postgres'])('a stored row the domain refuses', () => {
  let monolith: RunningTopology;
  let api: Api;
  let database: { url: string; drop: () => Promise<void> };
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    monolith = await startMonolithOnDatabase(database.url, 'stored-data');
    api = new Api(monolith.baseUrl);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await sql?.end();
    await monolith?.stop();
    await database?.drop();
  }, 30_000);

  it('answers 500 without its details, and logs an error naming the row', async () => {
    const adminToken = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken;
    const product = await api.post(
      '/products',
      { sku: `STORED-${randomUUID().slice(0, 8)}`, name: 'Priced in euros by hand', price: { amount: 700, currency: 'USD' }, stock: 5 },
      { token: adminToken },
    );
    expect(product.status).toBe(201);
    await sql.query(`UPDATE catalog.products SET price_currency = 'EUR' WHERE id = $1`, [product.body.id]);

    // Never read before, so no cache holds it.
    const read = await api.get(`/products/${product.body.id}`);
    const listed = await api.get(`/products?q=${encodeURIComponent('Priced in euros')}`);

    for (const answer of [read, listed]) {
      expect(answer.status).toBe(500);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.code).toBe('INTERNAL');
      expect(JSON.stringify(answer.body)).not.toContain('EUR');
    }
    await untilPasses(
      () => expect(monolith.processes.monolith.output()).toContain(`catalog.products ${product.body.id} holds what the domain refuses`),
      10_000,
    );
  }, 60_000);
});
