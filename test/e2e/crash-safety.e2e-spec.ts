import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, ApiResponse } from '../harness/http';
import { answerBeforeKill, orderLoad, settledAnswer } from '../harness/order-load';
import { OrderFlowRows, orderFlowViolationsAtRest, ordersNoKeyAnswered, readEmbedded, readPostgres } from '../harness/order-invariants';
import { createTestDatabase } from '../harness/postgres';
import { AppProcess, freePort, waitForStatus } from '../harness/processes';
import { CRASH_TEST_OUTBOX_LEASE, databasesUnderTest, Database, TEST_ADMIN, TEST_JWT_SECRET } from '../harness/topologies';
import { eventually, expectProblem } from './expectations';

/**
 * Far longer than a kill and two restarts between placing and paying take: on a busy machine they once took over a
 * minute, and the order expired under a test that expects it confirmed. The tests that need orders to expire set a
 * short one.
 */
const PAYMENT_TIMEOUT_SECONDS = 600;
const SHORT_PAYMENT_TIMEOUT_SECONDS = 4;

/**
 * A monolith on one database kept across kills: the embedded one on disk, or
 * a Postgres database. Short timeouts and outbox leases, so that recovery
 * (three request timeouts), expiry and the events a killed process had leased
 * come within a test's reach.
 */
class CrashableShop {
  process!: AppProcess;
  readonly api: Api;
  private restarts = 0;

  private constructor(
    private readonly label: string,
    private readonly port: number,
    private readonly env: Record<string, string>,
    readonly read: () => Promise<OrderFlowRows>,
    private readonly drop: () => Promise<void>,
  ) {
    this.api = new Api(`http://127.0.0.1:${port}`);
  }

  static async open(database: Database, label: string): Promise<CrashableShop> {
    const port = await freePort();
    const env: Record<string, string> = {
      PORT: String(port),
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000000',
      ORDER_PAYMENT_TIMEOUT_SECONDS: String(PAYMENT_TIMEOUT_SECONDS),
      REQUEST_TIMEOUT_MS: '1000',
      ...CRASH_TEST_OUTBOX_LEASE,
    };
    if (database === 'postgres') {
      const db = await createTestDatabase();
      return new CrashableShop(label, port, { ...env, DATABASE_URL: db.url }, () => readPostgres(db.url), db.drop);
    }
    const dir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
    const dataDir = join(dir, 'db');
    return new CrashableShop(
      label,
      port,
      { ...env, EMBEDDED_DB_DIR: dataDir },
      () => readEmbedded(dataDir),
      async () => rmSync(dir, { recursive: true, force: true }),
    );
  }

  /** How long orders placed from the next start on wait for their payment. */
  setPaymentTimeout(seconds: number): void {
    this.env.ORDER_PAYMENT_TIMEOUT_SECONDS = String(seconds);
  }

  /** Starts the monolith, armed to die at `faultPoint` if given, with `settings` for this start only, and waits until it is ready. */
  async start(faultPoint?: string, settings: Record<string, string> = {}): Promise<void> {
    const env = { ...this.env, ...settings, ...(faultPoint ? { TESSERA_FAULT_POINT: faultPoint } : {}) };
    this.process = AppProcess.start('monolith', `${this.label}-${this.restarts++}`, env);
    await waitForStatus(`${this.api.baseUrl}/health/ready`, 200, [this.process]);
  }

  async kill(): Promise<void> {
    await this.process.stop('SIGKILL');
  }

  /** The rows of the database now: a stopped embedded database only can be read, so it is stopped, read and started again. */
  async rows(): Promise<OrderFlowRows> {
    if (this.env.DATABASE_URL) return this.read();
    await this.process.stop();
    try {
      return await this.read();
    } finally {
      await this.start();
    }
  }

  async close(): Promise<void> {
    await this.process?.stop();
    await this.drop();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(databasesUnderTest())('the order flow killed at any point, on the %s database', (database) => {
  let shop: CrashableShop;
  let adminToken: string;
  const initialStock = new Map<string, number>();

  beforeAll(async () => {
    shop = await CrashableShop.open(database, `crash-${database}`);
    await shop.start();
    await shop.api.holdingToOpenApi();
    adminToken = (await shop.api.post('/auth/login', TEST_ADMIN)).body.accessToken;
  }, 120_000);

  afterAll(async () => {
    await shop?.close();
  }, 30_000);

  // The setup's requests are asked again while the shop answers 503, as settledAnswer asks the flow's: with a request
  // timeout of one second, a busy machine can leave a sign-up's scrypt or a product's insert unanswered in time though
  // it went through. Then the try after it finds the email or the SKU taken: the unanswered try's success.
  async function newBuyer(): Promise<string> {
    const credentials = { email: `crash-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' };
    const { answer, unanswered } = await settledSetup(() => shop.api.post('/auth/register', { ...credentials, name: 'Crash' }));
    expect(unanswered ? [201, 409] : [201]).toContain(answer.status);
    const login = await settledAnswer(() => shop.api.post('/auth/login', credentials));
    expect(login.status).toBe(200);
    return login.body.accessToken;
  }

  async function newProduct(stock: number): Promise<string> {
    const sku = `CRASH-${randomUUID().slice(0, 8)}`;
    const { answer, unanswered } = await settledSetup(() =>
      shop.api.post('/products', { sku, name: `Crash ${sku}`, price: { amount: 1500, currency: 'USD' }, stock }, { token: adminToken }),
    );
    expect(unanswered ? [201, 409] : [201]).toContain(answer.status);
    const id: string = answer.status === 201 ? answer.body.id : (await shop.api.get(`/products?q=${sku}`)).body.items[0].id;
    initialStock.set(id, stock);
    return id;
  }

  async function settledSetup(call: () => Promise<ApiResponse>): Promise<{ answer: ApiResponse; unanswered: boolean }> {
    // settledAnswer asks again only after no answer or a 503, so every try before the last went unanswered.
    let tries = 0;
    const answer = await settledAnswer(() => {
      tries++;
      return call();
    });
    return { answer, unanswered: tries > 1 };
  }

  /** On the embedded database every read restarts the shop, so reads are far enough apart for its relays to work. */
  async function invariantsHold(): Promise<void> {
    expect(await orderFlowViolationsAtRest(() => shop.rows(), initialStock, { pauseMs: database === 'embedded' ? 10_000 : 2000 })).toEqual([]);
  }

  describe('at each step that touches two contexts, then restarted', () => {
    const placeOrder = (token: string, productId: string, key: string) =>
      shop.api.post('/orders', { items: [{ productId, quantity: 2 }] }, { token, headers: { 'idempotency-key': key } });
    const pay = (token: string, orderId: string, key: string) =>
      shop.api.post('/payments', { orderId, paymentMethod: 'pm_card_visa' }, { token, headers: { 'idempotency-key': key } });

    it.each(['place-order:after-intent', 'place-order:after-reserve', 'place-order:after-store'])(
      '%s: a retry with the key answers one order, its stock reserved once',
      async (faultPoint) => {
        const buyer = await newBuyer();
        const productId = await newProduct(10);
        const key = randomUUID();
        await shop.process.stop();
        await shop.start(faultPoint);

        expect(await answerBeforeKill(() => placeOrder(buyer, productId, key))).toBeUndefined();
        await shop.process.exitCode();
        await shop.start();

        const placed = await settledAnswer(() => placeOrder(buyer, productId, key));
        expect(placed.status).toBe(201);
        expect(placed.body).toMatchObject({ status: 'AWAITING_PAYMENT' });
        const again = await placeOrder(buyer, productId, key);
        expect([again.status, again.body.id]).toEqual([201, placed.body.id]);
        expect((await shop.api.get('/orders', { token: buyer })).body.total).toBe(1);
        expect((await shop.api.get(`/products/${productId}`)).body.stock).toBe(8);
      },
      120_000,
    );

    it('place-order:after-reserve, the reservation taking the last units: a retry with the key answers that order', async () => {
      // Recovery asks the catalog for the same reservation again, with the shelf now empty: it must be answered the
      // reservation the first try made, not INSUFFICIENT_STOCK, or the order is refused while its units stay held.
      const buyer = await newBuyer();
      const productId = await newProduct(2);
      const key = randomUUID();
      await shop.process.stop();
      await shop.start('place-order:after-reserve');

      expect(await answerBeforeKill(() => placeOrder(buyer, productId, key))).toBeUndefined();
      await shop.process.exitCode();
      await shop.start();

      const placed = await settledAnswer(() => placeOrder(buyer, productId, key));
      expect([placed.status, placed.body.status]).toEqual([201, 'AWAITING_PAYMENT']);
      expect((await shop.api.get(`/products/${productId}`)).body.stock).toBe(0);
    }, 120_000);

    it.each(['pay-order:after-pending', 'pay-order:after-charge', 'pay-order:after-settle', 'confirm-payment:after-store'])(
      '%s: the order ends confirmed, charged once, its stock sold',
      async (faultPoint) => {
        const buyer = await newBuyer();
        const productId = await newProduct(10);
        const order = (await placeOrder(buyer, productId, randomUUID())).body;
        const key = randomUUID();
        await shop.process.stop();
        await shop.start(faultPoint);

        expect(await answerBeforeKill(() => pay(buyer, order.id, key))).toBeUndefined();
        await shop.process.exitCode();
        await shop.start();

        const paid = await settledAnswer(() => pay(buyer, order.id, key));
        expect(paid.status).toBe(201);
        expect(paid.body).toMatchObject({ status: 'SUCCEEDED', orderId: order.id });
        await eventually(
          async () => (await shop.api.get(`/orders/${order.id}`, { token: buyer })).body.status,
          (status) => status === 'CONFIRMED',
          30_000,
        );
        expect((await shop.api.get(`/products/${productId}`)).body.stock).toBe(8);
        // Another key for the same order cannot charge it again.
        expect((await settledAnswer(() => pay(buyer, order.id, randomUUID()))).body.code).toBe('ORDER_NOT_PAYABLE');
      },
      120_000,
    );

    it('pay-order:after-pending, the order expiring before the charge is settled: its key answers ORDER_NOT_PAYABLE, never the charge, which is refunded', async () => {
      const buyer = await newBuyer();
      const productId = await newProduct(10);
      await shop.process.stop();
      shop.setPaymentTimeout(SHORT_PAYMENT_TIMEOUT_SECONDS);
      await shop.start('pay-order:after-pending');
      const order = (await placeOrder(buyer, productId, randomUUID())).body;
      const key = randomUUID();

      expect(await answerBeforeKill(() => pay(buyer, order.id, key))).toBeUndefined();
      await shop.process.exitCode();
      shop.setPaymentTimeout(PAYMENT_TIMEOUT_SECONDS);
      // The pending-payments sweeper charges the payment the killed request left once it is three request timeouts (6 s)
      // old: after the order's time to pay (4 s from before the payment) is over, however slow the machine.
      await shop.start(undefined, { REQUEST_TIMEOUT_MS: '2000' });
      await eventually(
        async () => (await shop.api.get(`/orders/${order.id}`, { token: buyer })).body,
        (read) => read.status === 'CANCELLED',
        30_000,
      );

      const retried = await settledAnswer(() => pay(buyer, order.id, key));
      expectProblem(retried, 409, 'ORDER_NOT_PAYABLE');
      expect((await shop.api.get(`/orders/${order.id}`, { token: buyer })).body).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED' });
      await eventually(
        async () => (await shop.api.get(`/products/${productId}`)).body.stock,
        (stock) => stock === 10,
        30_000,
      );
      // That the charge was refunded, not kept, the consistency check at the end of these cases reads in the ledger.
    }, 120_000);

    it('cancel-order:after-store: the order stays cancelled and its stock comes back', async () => {
      const buyer = await newBuyer();
      const productId = await newProduct(10);
      const order = (await placeOrder(buyer, productId, randomUUID())).body;
      await shop.process.stop();
      await shop.start('cancel-order:after-store');

      expect(await answerBeforeKill(() => shop.api.post(`/orders/${order.id}/cancel`, undefined, { token: buyer }))).toBeUndefined();
      await shop.process.exitCode();
      await shop.start();

      expect((await shop.api.get(`/orders/${order.id}`, { token: buyer })).body).toMatchObject({
        status: 'CANCELLED',
        cancellationReason: 'CANCELLED_BY_CUSTOMER',
      });
      await eventually(
        async () => (await shop.api.get(`/products/${productId}`)).body.stock,
        (stock) => stock === 10,
        30_000,
      );
    }, 120_000);

    it('expire-order:after-store: the expired order stays cancelled and its stock comes back', async () => {
      const buyer = await newBuyer();
      const productId = await newProduct(10);
      await shop.process.stop();
      shop.setPaymentTimeout(SHORT_PAYMENT_TIMEOUT_SECONDS);
      await shop.start('expire-order:after-store');
      const order = (await placeOrder(buyer, productId, randomUUID())).body;

      // The sweeper dies right after storing the first expiry it makes: this order's, or one an earlier test left unpaid.
      await shop.process.exitCode();
      shop.setPaymentTimeout(PAYMENT_TIMEOUT_SECONDS);
      await shop.start();

      const expired = await eventually(
        async () => (await shop.api.get(`/orders/${order.id}`, { token: buyer })).body,
        (read) => read.status !== 'AWAITING_PAYMENT',
        30_000,
      );
      expect(expired).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED' });
      await eventually(
        async () => (await shop.api.get(`/products/${productId}`)).body.stock,
        (stock) => stock === 10,
        30_000,
      );
    }, 120_000);

    it('leaves every product, order, reservation and payment consistent', async () => {
      await invariantsHold();
    }, 120_000);
  });

  it('under a load of place, pay and cancel with keys, killed five times at random, converges with every invariant holding', async () => {
    // Short, so that every unpaid order expires and the flow comes to rest soon after the last kill.
    shop.setPaymentTimeout(SHORT_PAYMENT_TIMEOUT_SECONDS);
    await shop.process.stop();
    await shop.start();
    const buyers = await Promise.all(Array.from({ length: 3 }, () => newBuyer()));
    const products = await Promise.all(Array.from({ length: 4 }, () => newProduct(40)));
    const load = orderLoad(shop.api, buyers, products);
    for (let kill = 0; kill < 5; kill++) {
      await sleep(400 + Math.floor(Math.random() * 1200));
      await shop.kill();
      await shop.start();
    }
    const ordersOfKeys = await load.stop();

    for (const [key, orders] of ordersOfKeys) expect({ key, orders: orders.size }).toEqual({ key, orders: 1 });
    expect(ordersOfKeys.size).toBeGreaterThan(0);
    // Unpaid orders expire after the payment timeout; then everything is at rest.
    await sleep(SHORT_PAYMENT_TIMEOUT_SECONDS * 1000);
    await invariantsHold();
    expect(ordersNoKeyAnswered(await shop.rows(), products, ordersOfKeys)).toEqual([]);
  }, 420_000);
});
