import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { createTestDatabase } from '../harness/postgres';
import { describeWith, RunningTopology, startMonolithOnDatabase } from '../harness/topologies';

/**
 * Today's monolith started on the Postgres database of release 0.1.0, as a
 * shop upgrades in place: the database of a 0.1.0 that took orders in every
 * state (test/fixtures/release-0.1.0, made by its make-fixture.js), restored
 * as if that shop had stopped an hour ago. Every migration since runs on rows
 * that were written before it, and what 0.1.0 promised its customers holds:
 * their password, their orders, the answers to their idempotency keys, the
 * orders they may still pay and cancel, and the stock.
 */
const FIXTURE = join(__dirname, '..', 'fixtures', 'release-0.1.0', 'database.sql');
const CUSTOMER = { email: 'customer-0.1.0@example.com', password: 'a password of 0.1.0' };
const SKU = 'RELEASE-0.1.0';

/** Moves every timestamp of the shop's schemas by the same amount, so that 0.1.0's last order was placed an hour ago. */
const STOPPED_AN_HOUR_AGO = `
  DO $$
  DECLARE
    shift interval := now() - interval '1 hour' - (SELECT max(created_at) FROM ordering.orders);
    stamped record;
  BEGIN
    FOR stamped IN SELECT table_schema, table_name, column_name FROM information_schema.columns
                    WHERE table_schema IN ('users', 'catalog', 'ordering', 'payments') AND data_type = 'timestamp with time zone'
    LOOP
      EXECUTE format('UPDATE %I.%I SET %I = %I + $1', stamped.table_schema, stamped.table_name, stamped.column_name, stamped.column_name) USING shift;
    END LOOP;
  END $$`;

interface Order {
  id: string;
  status: string;
  cancellationReason?: string;
  items: { sku: string; quantity: number }[];
}

describeWith(['postgres'])('an upgrade in place from release 0.1.0, on Postgres', () => {
  let monolith: RunningTopology;
  let api: Api;
  let drop: () => Promise<void>;
  let token: string;
  /** The orders 0.1.0 took, by the quantity each is for. */
  let ordersOf0_1_0: Map<number, Order>;
  let productId: string;
  let stockLeftBy0_1_0: number;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(readFileSync(FIXTURE, 'utf8'));
      await client.query(STOPPED_AN_HOUR_AGO);
      const [product] = (await client.query('SELECT id, stock FROM catalog.products WHERE sku = $1', [SKU])).rows;
      productId = product.id;
      stockLeftBy0_1_0 = product.stock;
    } finally {
      await client.end();
    }
    monolith = await startMonolithOnDatabase(database.url, 'upgrade');
    api = await new Api(monolith.baseUrl).holdingToOpenApi();
  }, 120_000);

  afterAll(async () => {
    await monolith?.stop();
    await drop?.();
  }, 30_000);

  async function order(id: string): Promise<Order> {
    return (await api.get(`/orders/${id}`, { token })).body;
  }

  async function stock(): Promise<number> {
    return (await api.get(`/products/${productId}`)).body.stock;
  }

  it('lets the customer of 0.1.0 in with the password they set then, and lists the orders they placed then', async () => {
    const login = await api.post('/auth/login', CUSTOMER);
    expect(login.status).toBe(200);
    token = login.body.accessToken;

    const listed = await api.get('/orders', { token });
    expect(listed.status).toBe(200);
    ordersOf0_1_0 = new Map((listed.body.items as Order[]).map((placed) => [placed.items[0].quantity, placed]));
    expect([...ordersOf0_1_0.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(ordersOf0_1_0.get(1)).toMatchObject({ status: 'AWAITING_PAYMENT', items: [{ sku: SKU, quantity: 1 }] });
    expect(ordersOf0_1_0.get(2)).toMatchObject({ status: 'CONFIRMED' });
    expect(ordersOf0_1_0.get(4)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER' });
    expect(ordersOf0_1_0.get(5)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER' });
    const history = await api.get(`/orders/${ordersOf0_1_0.get(2)!.id}/history`, { token });
    expect(history.status).toBe(200);
  });

  it('expires the order whose payment window ran out while the shop was down, and puts its stock back', async () => {
    const overdue = ordersOf0_1_0.get(3)!;
    await untilPasses(async () => expect(await order(overdue.id)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED' }), 30_000);
    await untilPasses(async () => expect(await stock()).toBe(stockLeftBy0_1_0 + 3), 30_000);
  }, 90_000);

  it('answers an idempotency key sent to 0.1.0 with what 0.1.0 answered, doing nothing again', async () => {
    const placedAgain = await api.post('/orders', { items: [{ productId, quantity: 1 }] }, { token, headers: { 'idempotency-key': 'placed-by-0.1.0' } });
    expect(placedAgain.status).toBe(201);
    expect(placedAgain.body.id).toBe(ordersOf0_1_0.get(1)!.id);

    const paid = ordersOf0_1_0.get(2)!;
    const paidAgain = await api.post(
      '/payments',
      { orderId: paid.id, paymentMethod: 'pm_card_visa' },
      { token, headers: { 'idempotency-key': 'paid-by-0.1.0' } },
    );
    expect(paidAgain.status).toBe(201);
    expect(paidAgain.body).toMatchObject({ orderId: paid.id, status: 'SUCCEEDED' });
    expect(await stock()).toBe(stockLeftBy0_1_0 + 3);
  });

  it('takes payment for an order placed on 0.1.0, and cancels and refunds one paid on 0.1.0, its stock back', async () => {
    const unpaid = ordersOf0_1_0.get(1)!;
    const payment = await api.post('/payments', { orderId: unpaid.id, paymentMethod: 'pm_card_visa' }, { token });
    expect(payment.status).toBe(201);
    expect(await order(unpaid.id)).toMatchObject({ status: 'CONFIRMED' });

    const paid = ordersOf0_1_0.get(2)!;
    const paymentOf0_1_0 = (
      await api.post('/payments', { orderId: paid.id, paymentMethod: 'pm_card_visa' }, { token, headers: { 'idempotency-key': 'paid-by-0.1.0' } })
    ).body;
    const cancelled = await api.post(`/orders/${paid.id}/cancel`, undefined, { token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER' });
    await untilPasses(async () => expect((await api.get(`/payments/${paymentOf0_1_0.id}`, { token })).body).toMatchObject({ status: 'REFUNDED' }), 30_000);
    await untilPasses(async () => expect(await stock()).toBe(stockLeftBy0_1_0 + 3 + 2), 30_000);
  }, 90_000);

  it('places and pays new orders beside those of 0.1.0', async () => {
    const placed = await api.post('/orders', { items: [{ productId, quantity: 6 }] }, { token, headers: { 'idempotency-key': 'placed-after-the-upgrade' } });
    expect(placed.status).toBe(201);
    const paid = await api.post('/payments', { orderId: placed.body.id, paymentMethod: 'pm_card_visa' }, { token });
    expect(paid.status).toBe(201);
    expect(await order(placed.body.id)).toMatchObject({ status: 'CONFIRMED' });
    expect(await stock()).toBe(stockLeftBy0_1_0 + 3 + 2 - 6);
    expect((await api.get('/orders', { token })).body.total).toBe(6);
  });
});
