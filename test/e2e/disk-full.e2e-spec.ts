import { randomUUID } from 'node:crypto';
import { Api, ApiResponse } from '../harness/http';
import { orderFlowViolationsAtRest, readPostgres } from '../harness/order-invariants';
import { AppProcess, freePort, waitForStatus } from '../harness/processes';
import { join } from 'node:path';
import { mountSmallDisk, mountUnavailable, PostgresOnSmallDisk, smallDiskUnavailable, startPostgresOnSmallDisk } from '../harness/small-disk';
import { describeUnless } from '../harness/services';
import { TEST_ADMIN, TEST_JWT_SECRET } from '../harness/topologies';
import { eventually, expectProblem } from './expectations';
import { shelfAndBuyer } from './shelf-and-buyer';

const describeOnSmallDisk = describeUnless(smallDiskUnavailable());

const STOCK = 1000;

// The shop's database runs out of disk space under orders, then an operator frees some. A write that needs a new page
// fails (53100) while reads go on: a client is answered a 503 to retry, never a 500, the shop stays ready, and once
// there is room again it takes orders and payments, with no stock held for an order that does not exist.
describeOnSmallDisk("a shop whose database's disk fills up", () => {
  let disk: PostgresOnSmallDisk;
  let shop: AppProcess;
  let api: Api;

  beforeAll(async () => {
    disk = await startPostgresOnSmallDisk(24);
    const port = await freePort();
    shop = AppProcess.start('monolith', 'disk-full', {
      PORT: String(port),
      DATABASE_URL: disk.url,
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      // Short, so that recovery (after three of them) finishes within the test a placement the full disk cut.
      REQUEST_TIMEOUT_MS: '1000',
    });
    api = new Api(`http://127.0.0.1:${port}`);
    await waitForStatus(`${api.baseUrl}/health/ready`, 200, [shop]);
    await api.holdingToOpenApi();
  }, 120_000);

  afterAll(async () => {
    disk?.free();
    await shop?.stop();
    await disk?.stop();
  }, 60_000);

  it('answers writes 503 CONTEXT_UNAVAILABLE while still serving reads, and takes orders and payments again once there is room', async () => {
    const { productId, token } = await shelfAndBuyer(api, 'Disk', STOCK);
    const placeOrder = () => api.post('/orders', { items: [{ productId, quantity: 1 }] }, { token });
    const paymentKey = randomUUID();
    const pay = (orderId: string) => api.post('/payments', { orderId, paymentMethod: 'pm_card_visa' }, { token, headers: { 'idempotency-key': paymentKey } });
    const unpaid = await placeOrder();
    expect(unpaid.status).toBe(201);

    disk.fill();
    // The tables' last pages still have room for a few rows: orders go through until one needs a new page.
    let refused: ApiResponse | undefined;
    for (let tries = 0; tries < 500 && !refused; tries++) {
      const answer = await placeOrder();
      if (answer.status !== 201) refused = answer;
    }
    expect(refused).toBeDefined();
    expectProblem(refused!, 503, 'CONTEXT_UNAVAILABLE');
    expect([201, 503]).toContain((await pay(unpaid.body.id)).status);
    expect((await api.get(`/products/${productId}`)).status).toBe(200);
    expect((await api.get('/orders', { token })).status).toBe(200);
    expect((await api.get('/health/ready')).status).toBe(200);

    disk.free();
    expect((await eventually(placeOrder, (answer) => answer.status !== 503, 30_000)).status).toBe(201);
    const paid = await eventually(
      () => pay(unpaid.body.id),
      (answer) => answer.status !== 503,
      30_000,
    );
    expect(paid.status).toBe(201);
    expect(
      (
        await eventually(
          () => api.get(`/orders/${unpaid.body.id}`, { token }),
          (order) => order.body.status !== 'AWAITING_PAYMENT',
        )
      ).body.status,
    ).toBe('CONFIRMED');
    expect(await orderFlowViolationsAtRest(() => readPostgres(disk.url), new Map([[productId, STOCK]]), { timeoutMs: 60_000 })).toEqual([]);
  }, 180_000);
});

const describeWithMount = describeUnless(mountUnavailable());

// A first `npm start` on a disk without room for its database said only "Tessera could not start: [object Object]":
// PGlite's file system throws no Error. It names the folder, the reason and what to do, exits 69 (something it needs
// that may come back), and starts once there is room, from what the failed start left.
describeWithMount('an embedded database on a disk without room to start', () => {
  it('refuses the start, saying so, and starts once the disk has room', async () => {
    const disk = mountSmallDisk(20);
    const dir = join(disk.path, 'db');
    let shop: AppProcess | undefined;
    try {
      const refused = AppProcess.start('monolith', 'disk-full-embedded-refused', { PORT: String(await freePort()), EMBEDDED_DB_DIR: dir });
      expect(await refused.exitCode()).toBe(69);
      expect(refused.output()).toMatch(
        /Tessera could not start: the embedded database in .+ \(EMBEDDED_DB_DIR\) could not start: (preparing a new database failed: )?no space left on device \(ENOSPC\)\. It needs some 40 MB to start: free disk space/,
      );

      disk.resize(120);
      const port = await freePort();
      shop = AppProcess.start('monolith', 'disk-full-embedded', { PORT: String(port), EMBEDDED_DB_DIR: dir });
      await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, [shop], 90_000);
      const products = await new Api(`http://127.0.0.1:${port}`).get('/products');
      expect(products.status).toBe(200);
      expect(products.body.items.length).toBeGreaterThan(0);
    } finally {
      await shop?.stop();
      disk.unmount();
    }
  }, 180_000);
});
