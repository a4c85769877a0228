import { Client } from 'pg';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { createTestDatabase } from '../harness/postgres';
import { describeWith, RunningTopology, startMonolithOnDatabase } from '../harness/topologies';
import { shelfAndBuyer } from './shelf-and-buyer';

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
    // Recovery takes up a placement three request timeouts after it began.
    monolith = await startMonolithOnDatabase(database.url, 'stored-data', { REQUEST_TIMEOUT_MS: '1000' });
    api = await new Api(monolith.baseUrl).holdingToOpenApi();
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await sql?.end();
    await monolith?.stop();
    await database?.drop();
  }, 30_000);

  it('answers 500 without its details and logs an error naming the row; an order it cut short gets its units back once the rows are mended', async () => {
    const { productId, token } = await shelfAndBuyer(api, 'Stored', 5);
    await sql.query(`UPDATE catalog.products SET price_currency = 'EUR' WHERE id = $1`, [productId]);

    // Never read before, so no cache holds it.
    const read = await api.get(`/products/${productId}`);
    const listed = await api.get(`/products?q=${encodeURIComponent('Stored item')}`);

    for (const answer of [read, listed]) {
      expect(answer.status).toBe(500);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.code).toBe('INTERNAL');
      expect(JSON.stringify(answer.body)).not.toContain('EUR');
    }
    await untilPasses(() => expect(monolith.processes.monolith.output()).toContain(`catalog.products ${productId} holds what the domain refuses`), 10_000);

    // The reservation takes the units, then reads each line's price from the product's row. Taken for a refusal, as
    // the rule's error was, the order ended as if nothing were reserved, and the units waited for the catalog's hold;
    // as a failure, the placement is given up and its units released, once the rows can be read again.
    const order = await api.post('/orders', { items: [{ productId, quantity: 2 }] }, { token });
    expect(order.status).toBe(500);
    expect(order.body.code).toBe('INTERNAL');
    const held = async () =>
      (
        await sql.query(
          `SELECT p.stock, (SELECT count(*)::int FROM catalog.reservations r JOIN catalog.reservation_lines l USING (reservation_id)
                             WHERE l.product_id = p.id AND r.status = 'RESERVED') AS reservations
             FROM catalog.products p WHERE p.id = $1`,
          [productId],
        )
      ).rows;
    // The reservation copied the refused currency, so its release cannot read it either: left to recovery, and said.
    expect(await held()).toEqual([{ stock: 3, reservations: 1 }]);
    await untilPasses(() => expect(monolith.processes.monolith.output()).toMatch(/catalog\.reservations \S+ holds what the domain refuses/), 10_000);

    await sql.query(`UPDATE catalog.products SET price_currency = 'USD' WHERE id = $1`, [productId]);
    await sql.query(`UPDATE catalog.reservation_lines SET unit_price_currency = 'USD' WHERE product_id = $1`, [productId]);
    await untilPasses(async () => expect(await held()).toEqual([{ stock: 5, reservations: 0 }]), 60_000);
  }, 120_000);
});
