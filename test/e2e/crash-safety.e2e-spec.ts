import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, ApiResponse } from '../harness/http';
import { orderFlowViolations, OrderFlowRows, readEmbedded, readPostgres } from '../harness/order-invariants';
import { createTestDatabase } from '../harness/postgres';
import { AppProcess, freePort, waitForStatus } from '../harness/processes';
import { databasesUnderTest, Database, TEST_ADMIN, TEST_JWT_SECRET } from '../harness/topologies';
import { eventually } from './expectations';

/** Long enough for a kill and a restart between placing and paying; the tests that need orders to expire set a short one. */
const PAYMENT_TIMEOUT_SECONDS = 60;
const SHORT_PAYMENT_TIMEOUT_SECONDS = 4;

/**
 * A monolith on one database kept across kills: the embedded one on disk, or
 * a Postgres database. Short timeouts, so that recovery (three request
 * timeouts) and expiry come within a test's reach.
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
    };
    if (database === 'postgres') {
      const db = await createTestDatabase();
      return new CrashableShop(label, port, { ...env, DATABASE_URL: db.url }, () => readPostgres(db.url), db.drop);
    }
    const dir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
    const dataDir = join(dir, 'db');
    return new CrashableShop(label, port, { ...env, EMBEDDED_DB_DIR: dataDir }, () => readEmbedded(dataDir), async () => rmSync(dir, { recursive: true, force: true }));
  }

  /** How long orders placed from the next start on wait for their payment. */
  setPaymentTimeout(seconds: number): void {
    this.env.ORDER_PAYMENT_TIMEOUT_SECONDS = String(seconds);
  }

  /** Starts the monolith, armed to die at `faultPoint` if given, and waits until it is ready. */
  async start(faultPoint?: string): Promise<void> {
    const env = faultPoint ? { ...this.env, TESSERA_FAULT_POINT: faultPoint } : this.env;
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

/** A response, or undefined when the process died under the request (connection refused or reset). */
async function unlessKilled(call: () => Promise<ApiResponse>): Promise<ApiResponse | undefined> {
  try {
    return await call();
  } catch {
    return undefined;
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
    adminToken = (await shop.api.post('/auth/login', TEST_ADMIN)).body.accessToken;
  }, 120_000);

  afterAll(async () => {
    await shop?.close();
  }, 30_000);

  async function newBuyer(): Promise<string> {
    const email = `crash-${randomUUID().slice(0, 8)}@example.com`;
    expect((await shop.api.post('/auth/register', { email, password: 'correct horse battery', name: 'Crash' })).status).toBe(201);
    return (await shop.api.post('/auth/login', { email, password: 'correct horse battery' })).body.accessToken;
  }

  async function newProduct(stock: number): Promise<string> {
    const sku = `CRASH-${randomUUID().slice(0, 8)}`;
    const created = await shop.api.post('/products', { sku, name: `Crash ${sku}`, price: { amount: 1500, currency: 'USD' }, stock }, { token: adminToken });
    expect(created.status).toBe(201);
    initialStock.set(created.body.id, stock);
    return created.body.id;
  }

  /** Asks again (the process may be restarting) until the answer is not one that says "later". */
  async function settled(call: () => Promise<ApiResponse>, deadlineMs = 60_000): Promise<ApiResponse> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const response = await unlessKilled(call);
      const later = !response || response.status === 503 || response.body?.code === 'IDEMPOTENCY_KEY_IN_USE';
      if (!later) return response;
      if (Date.now() > deadline) throw new Error(`No settled answer within ${deadlineMs} ms; last: ${response?.status} ${JSON.stringify(response?.body)}`);
      await sleep(Number(response?.headers.get('retry-after') ?? 0) * 1000 || 200);
    }
  }

  /**
   * Reads the database until every invariant holds, or fails with what still
   * does not. Events a killed process had leased wait out their lease (15 s)
   * before another relay sends them, so each read leaves the shop running a while.
   */
  async function invariantsHold(): Promise<void> {
    let violations: string[] = [];
    const deadline = Date.now() + 120_000;
    do {
      violations = orderFlowViolations(await shop.rows(), initialStock);
      if (violations.length === 0) return;
      await sleep(10_000);
    } while (Date.now() < deadline);
    expect(violations).toEqual([]);
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

        expect(await unlessKilled(() => placeOrder(buyer, productId, key))).toBeUndefined();
        await shop.process.exitCode();
        await shop.start();

        const placed = await settled(() => placeOrder(buyer, productId, key));
        expect(placed.status).toBe(201);
        expect(placed.body).toMatchObject({ status: 'AWAITING_PAYMENT' });
        const again = await placeOrder(buyer, productId, key);
        expect([again.status, again.body.id]).toEqual([201, placed.body.id]);
        expect((await shop.api.get('/orders', { token: buyer })).body.total).toBe(1);
        expect((await shop.api.get(`/products/${productId}`)).body.stock).toBe(8);
      },
      120_000,
    );

    it.each(['pay-order:after-pending', 'pay-order:after-charge', 'pay-order:after-settle', 'confirm-payment:after-store'])(
      '%s: the order ends confirmed, charged once, its stock sold',
      async (faultPoint) => {
        const buyer = await newBuyer();
        const productId = await newProduct(10);
        const order = (await placeOrder(buyer, productId, randomUUID())).body;
        const key = randomUUID();
        await shop.process.stop();
        await shop.start(faultPoint);

        expect(await unlessKilled(() => pay(buyer, order.id, key))).toBeUndefined();
        await shop.process.exitCode();
        await shop.start();

        const paid = await settled(() => pay(buyer, order.id, key));
        expect(paid.status).toBe(201);
        expect(paid.body).toMatchObject({ status: 'SUCCEEDED', orderId: order.id });
        await eventually(async () => (await shop.api.get(`/orders/${order.id}`, { token: buyer })).body.status, (status) => status === 'CONFIRMED', 30_000);
        expect((await shop.api.get(`/products/${productId}`)).body.stock).toBe(8);
        // Another key for the same order cannot charge it again.
        expect((await settled(() => pay(buyer, order.id, randomUUID()))).body.code).toBe('ORDER_NOT_PAYABLE');
      },
      120_000,
    );

    it('cancel-order:after-store: the order stays cancelled and its stock comes back', async () => {
      const buyer = await newBuyer();
      const productId = await newProduct(10);
      const order = (await placeOrder(buyer, productId, randomUUID())).body;
      await shop.process.stop();
      await shop.start('cancel-order:after-store');

      expect(await unlessKilled(() => shop.api.post(`/orders/${order.id}/cancel`, undefined, { token: buyer }))).toBeUndefined();
      await shop.process.exitCode();
      await shop.start();

      expect((await shop.api.get(`/orders/${order.id}`, { token: buyer })).body).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER' });
      await eventually(async () => (await shop.api.get(`/products/${productId}`)).body.stock, (stock) => stock === 10, 30_000);
    }, 120_000);

    it('expire-order:after-store: the expired order stays cancelled and its stock comes back', async () => {
      const buyer = await newBuyer();
      const productId = await newProduct(10);
      await shop.process.stop();
      shop.setPaymentTimeout(SHORT_PAYMENT_TIMEOUT_SECONDS);
      await shop.start('expire-order:after-store');
      const order = (await placeOrder(buyer, productId, randomUUID())).body;

      // The sweeper reaches the order once its time to pay is over, and the process dies right after storing the expiry.
      await shop.process.exitCode();
      shop.setPaymentTimeout(PAYMENT_TIMEOUT_SECONDS);
      await shop.start();

      expect((await shop.api.get(`/orders/${order.id}`, { token: buyer })).body).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED' });
      await eventually(async () => (await shop.api.get(`/products/${productId}`)).body.stock, (stock) => stock === 10, 30_000);
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
    const ordersOfKeys = new Map<string, Set<string>>();
    let stopping = false;

    const worker = async (n: number) => {
      for (let round = 0; !stopping; round++) {
        const token = buyers[(n + round) % buyers.length];
        const items = [{ productId: products[(n * 7 + round) % products.length], quantity: 1 + ((n + round) % 3) }];
        const placeKey = randomUUID();
        const placed = await settled(() => shop.api.post('/orders', { items }, { token, headers: { 'idempotency-key': placeKey } }));
        if (placed.status !== 201) continue;
        ordersOfKeys.set(placeKey, new Set([...(ordersOfKeys.get(placeKey) ?? []), placed.body.id]));
        // The same key asked again, after whatever kill came in between, answers the same order.
        const replayed = await settled(() => shop.api.post('/orders', { items }, { token, headers: { 'idempotency-key': placeKey } }));
        if (replayed.status === 201) ordersOfKeys.get(placeKey)!.add(replayed.body.id);
        const choice = (n + round) % 4;
        if (choice === 0) continue;
        if (choice === 1 || choice === 2) {
          const payKey = randomUUID();
          await settled(() => shop.api.post('/payments', { orderId: placed.body.id, paymentMethod: 'pm_card_visa' }, { token, headers: { 'idempotency-key': payKey } }));
        }
        if (choice !== 1) await settled(() => shop.api.post(`/orders/${placed.body.id}/cancel`, undefined, { token }));
      }
    };

    const workers = Array.from({ length: 6 }, (_, n) => worker(n));
    for (let kill = 0; kill < 5; kill++) {
      await sleep(400 + Math.floor(Math.random() * 1200));
      await shop.kill();
      await shop.start();
    }
    stopping = true;
    await Promise.all(workers);

    for (const [key, orders] of ordersOfKeys) expect({ key, orders: orders.size }).toEqual({ key, orders: 1 });
    expect(ordersOfKeys.size).toBeGreaterThan(0);
    // Unpaid orders expire after the payment timeout; then everything is at rest.
    await sleep(SHORT_PAYMENT_TIMEOUT_SECONDS * 1000);
    await invariantsHold();
    const rows = await shop.rows();
    const answered = new Set([...ordersOfKeys.values()].flatMap((orders) => [...orders]));
    // Every order stored was answered to some key: recovery placed none that a retry did not see.
    expect(rows.orders.filter((order) => order.items.some((item) => products.includes(item.productId)) && !answered.has(order.id)).map((order) => order.id)).toEqual([]);
  }, 420_000);
});
