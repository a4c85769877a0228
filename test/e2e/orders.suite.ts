import { randomUUID } from 'node:crypto';
import type { Api, ApiResponse } from '../harness/http';
import { expectOneProblem, expectProblem } from './expectations';

type Money = { amount: number; currency: string };
type Line = { productId: string; quantity: number };
type Customer = { id: string; token: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const usd = (amount: number): Money => ({ amount, currency: 'USD' });

/**
 * The orders and payments parts of API.md, black-box over HTTP: placing
 * (prices from the catalog, stock reserved), paying (the order's own total,
 * once), cancelling (stock back, refunds), history and Idempotency-Key.
 * Topology-agnostic: it needs only the gateway's URL and an admin token.
 */
export function describeOrdersAndPayments(getApi: () => Api, getAdminToken: () => string): void {
  const api = () => getApi();
  const admin = () => getAdminToken();

  async function newCustomer(): Promise<Customer> {
    const email = `buyer-${randomUUID().slice(0, 8)}@example.com`;
    const registered = await api().post('/auth/register', { email, password: 'correct horse battery', name: 'Buyer' });
    expect(registered.status).toBe(201);
    const login = await api().post('/auth/login', { email, password: 'correct horse battery' });
    expect(login.status).toBe(200);
    return { id: registered.body.id, token: login.body.accessToken };
  }

  async function newProduct(price: number, stock: number): Promise<{ id: string; sku: string; name: string; price: Money; stock: number }> {
    const sku = `ORD-${randomUUID().slice(0, 8)}`;
    const response = await api().post('/products', { sku, name: `Teapot ${sku}`, price: usd(price), stock }, { token: admin() });
    expect(response.status).toBe(201);
    return response.body;
  }

  async function stockOf(productId: string): Promise<number> {
    const response = await api().get(`/products/${productId}`);
    expect(response.status).toBe(200);
    return response.body.stock;
  }

  const placeOrder = (token: string, items: Line[], headers: Record<string, string> = {}) => api().post('/orders', { items }, { token, headers });

  async function placed(token: string, items: Line[]): Promise<any> {
    const response = await placeOrder(token, items);
    expect(response.status).toBe(201);
    return response.body;
  }

  const pay = (token: string, orderId: string, paymentMethod = 'pm_card_visa', headers: Record<string, string> = {}) =>
    api().post('/payments', { orderId, paymentMethod }, { token, headers });

  async function paid(token: string, orderId: string): Promise<any> {
    const response = await pay(token, orderId);
    expect(response.status).toBe(201);
    return response.body;
  }

  async function orderOf(token: string, orderId: string): Promise<any> {
    const response = await api().get(`/orders/${orderId}`, { token });
    expect(response.status).toBe(200);
    return response.body;
  }

  async function ordersOf(token: string, query = 'limit=100'): Promise<ApiResponse> {
    const response = await api().get(`/orders?${query}`, { token });
    expect(response.status).toBe(200);
    return response;
  }

  const isoTimestamp = () => expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  const byProduct = (a: Line, b: Line) => a.productId.localeCompare(b.productId);

  describe('orders and payments', () => {
    describe('placing an order', () => {
      it('answers 201 with the order awaiting payment, priced by the catalog, and reserves its stock', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(1250, 10);
        const cups = await newProduct(899, 20);
        const before = Date.now();
        const response = await placeOrder(buyer.token, [
          { productId: teapot.id, quantity: 2 },
          { productId: cups.id, quantity: 3 },
        ]);
        expect(response.status).toBe(201);
        const order = response.body;
        expect(order).toEqual({
          id: expect.stringMatching(UUID),
          userId: buyer.id,
          status: 'AWAITING_PAYMENT',
          items: expect.any(Array),
          total: usd(2 * 1250 + 3 * 899),
          createdAt: isoTimestamp(),
          updatedAt: isoTimestamp(),
          expiresAt: isoTimestamp(),
        });
        expect([...order.items].sort(byProduct)).toEqual(
          [
            { productId: teapot.id, sku: teapot.sku, name: teapot.name, unitPrice: usd(1250), quantity: 2, lineTotal: usd(2500) },
            { productId: cups.id, sku: cups.sku, name: cups.name, unitPrice: usd(899), quantity: 3, lineTotal: usd(2697) },
          ].sort(byProduct),
        );
        expect(Date.parse(order.expiresAt)).toBeGreaterThan(Math.max(before, Date.parse(order.createdAt)));
        // ORDER_PAYMENT_TIMEOUT_SECONDS defaults to 900; no topology under test sets more.
        expect(Date.parse(order.expiresAt) - Date.parse(order.createdAt)).toBeLessThanOrEqual(900_000);
        expect(await stockOf(teapot.id)).toBe(8);
        expect(await stockOf(cups.id)).toBe(17);
        expect(await orderOf(buyer.token, order.id)).toEqual(order);
      });

      it('keeps the prices of the moment it was placed when the catalog changes them', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(1000, 5);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);
        expect((await api().patch(`/products/${teapot.id}`, { price: usd(5000) }, { token: admin() })).status).toBe(200);
        const read = await orderOf(buyer.token, order.id);
        expect(read.items[0].unitPrice).toEqual(usd(1000));
        expect(read.total).toEqual(usd(1000));
        expect((await paid(buyer.token, order.id)).amount).toEqual(usd(1000));
      });

      it('never oversells: many concurrent orders for a few units confirm exactly as many units as there are, and stock ends at zero', async () => {
        const product = await newProduct(900, 5);
        const buyers = await Promise.all(Array.from({ length: 4 }, () => newCustomer()));
        const attempts = await Promise.all(
          Array.from({ length: 16 }, (_, i) => placeOrder(buyers[i % buyers.length].token, [{ productId: product.id, quantity: 1 }])),
        );
        const accepted = attempts.filter((r) => r.status === 201);
        expect(accepted).toHaveLength(5);
        for (const refused of attempts.filter((r) => r.status !== 201)) expectProblem(refused, 409, 'INSUFFICIENT_STOCK');
        expect(await stockOf(product.id)).toBe(0);
        const owners = new Map(accepted.map((r) => [r.body.id as string, buyers.find((b) => b.id === r.body.userId)!.token]));
        const payments = await Promise.all([...owners].map(([orderId, token]) => pay(token, orderId)));
        expect(payments.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
        for (const [orderId, token] of owners) expect((await orderOf(token, orderId)).status).toBe('CONFIRMED');
        expect(await stockOf(product.id)).toBe(0);
      });

      it('merges two lines of one product into one line', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(700, 10);
        const order = await placed(buyer.token, [
          { productId: teapot.id, quantity: 2 },
          { productId: teapot.id, quantity: 3 },
        ]);
        expect(order.items).toEqual([{ productId: teapot.id, sku: teapot.sku, name: teapot.name, unitPrice: usd(700), quantity: 5, lineTotal: usd(3500) }]);
        expect(order.total).toEqual(usd(3500));
        expect(await stockOf(teapot.id)).toBe(5);
      });

      it('refuses more than is in stock with 409 INSUFFICIENT_STOCK, reserving nothing of any line', async () => {
        const buyer = await newCustomer();
        const plenty = await newProduct(100, 5);
        const scarce = await newProduct(200, 1);
        const tooMany = await placeOrder(buyer.token, [
          { productId: plenty.id, quantity: 2 },
          { productId: scarce.id, quantity: 3 },
        ]);
        expectProblem(tooMany, 409, 'INSUFFICIENT_STOCK');
        expect(tooMany.body).toMatchObject({ productId: scarce.id, detail: `Cannot reserve 3 of ${scarce.sku}: only 1 in stock` });
        // Each line alone fits; merged they do not.
        expectProblem(
          await placeOrder(buyer.token, [
            { productId: plenty.id, quantity: 3 },
            { productId: plenty.id, quantity: 3 },
          ]),
          409,
          'INSUFFICIENT_STOCK',
        );
        expect(await stockOf(plenty.id)).toBe(5);
        expect(await stockOf(scarce.id)).toBe(1);
        expect((await ordersOf(buyer.token)).body.total).toBe(0);

        const everything = await placed(buyer.token, [
          { productId: plenty.id, quantity: 5 },
          { productId: scarce.id, quantity: 1 },
        ]);
        expect(everything.status).toBe('AWAITING_PAYMENT');
        expect(await stockOf(plenty.id)).toBe(0);
        expect(await stockOf(scarce.id)).toBe(0);
        const soldOut = await placeOrder(buyer.token, [{ productId: scarce.id, quantity: 1 }]);
        expectProblem(soldOut, 409, 'INSUFFICIENT_STOCK');
        expect(soldOut.body.detail).toBe(`Cannot reserve 1 of ${scarce.sku}: none in stock`);
      });

      it('answers 422 PRODUCT_NOT_FOUND for a product that does not exist, reserving nothing', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(100, 5);
        expectProblem(
          await placeOrder(buyer.token, [
            { productId: teapot.id, quantity: 1 },
            { productId: randomUUID(), quantity: 1 },
          ]),
          422,
          'PRODUCT_NOT_FOUND',
        );
        expect(await stockOf(teapot.id)).toBe(5);
        expect((await ordersOf(buyer.token)).body.total).toBe(0);
      });

      it('refuses prices, totals, statuses, user ids and out-of-range lines with 400, creating nothing', async () => {
        const buyer = await newCustomer();
        const other = await newCustomer();
        const teapot = await newProduct(100, 2000);
        const line = { productId: teapot.id, quantity: 1 };
        const bodies: unknown[] = [
          { items: [{ ...line, unitPrice: usd(1) }] },
          { items: [{ ...line, lineTotal: usd(1) }] },
          { items: [line], total: usd(1) },
          { items: [line], status: 'CONFIRMED' },
          { items: [line], userId: other.id },
          { items: [line], id: randomUUID() },
          { items: [{ ...line, quantity: 0 }] },
          { items: [{ ...line, quantity: 1001 }] },
          { items: [{ ...line, quantity: -1 }] },
          { items: [{ ...line, quantity: 1.5 }] },
          { items: [{ ...line, quantity: '1' }] },
          { items: [{ productId: 'not-a-uuid', quantity: 1 }] },
          { items: [{ productId: teapot.id }] },
          { items: Array.from({ length: 51 }, () => line) },
          { items: [] },
          { items: line },
          {},
        ];
        for (const body of bodies) {
          const response = await api().post('/orders', body, { token: buyer.token });
          expectProblem(response, 400, 'VALIDATION_FAILED');
        }
        expectProblem(await api().post('/orders', undefined, { token: buyer.token, raw: '{"items": [' }), 400, 'MALFORMED_JSON');
        expect(await stockOf(teapot.id)).toBe(2000);
        expect((await ordersOf(buyer.token)).body.total).toBe(0);
        expect((await ordersOf(other.token)).body.total).toBe(0);

        // The edges themselves are fine: 50 lines, and a quantity of 1000.
        const fifty = await placed(
          buyer.token,
          Array.from({ length: 50 }, () => ({ productId: teapot.id, quantity: 1 })),
        );
        expect(fifty.items).toEqual([expect.objectContaining({ productId: teapot.id, quantity: 50 })]);
        const thousand = await placed(buyer.token, [{ productId: teapot.id, quantity: 1000 }]);
        expect(thousand.total).toEqual(usd(100_000));
      });

      it('needs a signed-in user', async () => {
        const teapot = await newProduct(100, 5);
        expectProblem(await api().post('/orders', { items: [{ productId: teapot.id, quantity: 1 }] }), 401, 'UNAUTHORIZED');
        expectProblem(await api().get('/orders'), 401, 'UNAUTHORIZED');
        expectProblem(await api().post('/payments', { orderId: randomUUID(), paymentMethod: 'pm_card_visa' }), 401, 'UNAUTHORIZED');
        expect(await stockOf(teapot.id)).toBe(5);
      });
    });

    describe('reading orders', () => {
      it("lists a customer's own orders only; an admin sees everyone's, or one user's with ?userId=", async () => {
        const ann = await newCustomer();
        const ben = await newCustomer();
        const teapot = await newProduct(100, 50);
        const annOrders = [await placed(ann.token, [{ productId: teapot.id, quantity: 1 }]), await placed(ann.token, [{ productId: teapot.id, quantity: 2 }])];
        const benOrder = await placed(ben.token, [{ productId: teapot.id, quantity: 3 }]);

        const own = (await ordersOf(ann.token)).body;
        expect(own).toEqual({ items: expect.any(Array), total: 2, page: 1, limit: 100 });
        expect(own.items.map((o: { id: string }) => o.id).sort()).toEqual(annOrders.map((o) => o.id).sort());
        expect(own.items.every((o: { userId: string }) => o.userId === ann.id)).toBe(true);
        expect((await ordersOf(ben.token)).body.items.map((o: { id: string }) => o.id)).toEqual([benOrder.id]);

        const first = (await ordersOf(ann.token, 'page=1&limit=1')).body;
        const second = (await ordersOf(ann.token, 'page=2&limit=1')).body;
        expect([first.total, first.items.length, second.items.length]).toEqual([2, 1, 1]);
        expect(first.items[0].id).not.toBe(second.items[0].id);
        expect((await ordersOf(ann.token, '')).body.limit).toBe(20);

        const forAnn = (await ordersOf(admin(), `userId=${ann.id}&limit=100`)).body;
        expect(forAnn.total).toBe(2);
        expect(forAnn.items.map((o: { id: string }) => o.id).sort()).toEqual(annOrders.map((o) => o.id).sort());
        expect((await ordersOf(admin(), 'limit=1')).body.total).toBeGreaterThanOrEqual(3);

        expectProblem(await api().get(`/orders?userId=${ben.id}`, { token: ann.token }), 403, 'FORBIDDEN');
        for (const query of ['page=0', 'limit=0', 'limit=101', 'userId=ben']) {
          expectProblem(await api().get(`/orders?${query}`, { token: admin() }), 400, 'VALIDATION_FAILED');
        }
      });

      it("answers 404 ORDER_NOT_FOUND for another user's order, as for one that does not exist", async () => {
        const owner = await newCustomer();
        const stranger = await newCustomer();
        const teapot = await newProduct(100, 5);
        const order = await placed(owner.token, [{ productId: teapot.id, quantity: 1 }]);

        const answers = [
          await api().get(`/orders/${order.id}`, { token: stranger.token }),
          await api().get(`/orders/${order.id}/history`, { token: stranger.token }),
          await api().post(`/orders/${order.id}/cancel`, undefined, { token: stranger.token }),
          await pay(stranger.token, order.id),
          await api().get(`/orders/${randomUUID()}`, { token: owner.token }),
          await api().get('/orders/not-a-uuid', { token: admin() }),
          await pay(owner.token, randomUUID()),
        ];
        for (const answer of answers) expectProblem(answer, 404, 'ORDER_NOT_FOUND');
        expectOneProblem(...answers);

        expect((await orderOf(owner.token, order.id)).status).toBe('AWAITING_PAYMENT');
        expect(await stockOf(teapot.id)).toBe(4);
        expect(await orderOf(admin(), order.id)).toMatchObject({ id: order.id, userId: owner.id });
      });
    });

    describe('paying', () => {
      it("charges the order's own total, answers 201 SUCCEEDED, and the order reads back CONFIRMED", async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(2599, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 2 }]);
        const response = await pay(buyer.token, order.id, 'pm_card_visa');
        expect(response.status).toBe(201);
        expect(response.body).toEqual({
          id: expect.stringMatching(UUID),
          orderId: order.id,
          amount: usd(5198),
          status: 'SUCCEEDED',
          paymentMethod: 'pm_card_visa',
          createdAt: isoTimestamp(),
        });
        expect(await orderOf(buyer.token, order.id)).toMatchObject({ id: order.id, status: 'CONFIRMED', total: usd(5198) });
        expect((await api().get(`/payments/${response.body.id}`, { token: buyer.token })).body).toEqual(response.body);
        // Sold: the units stay out of stock.
        expect(await stockOf(teapot.id)).toBe(8);
        const mastercard = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);
        expect((await pay(buyer.token, mastercard.id, 'pm_card_mastercard')).body).toMatchObject({ status: 'SUCCEEDED', amount: usd(2599) });
      });

      it('answers a decline with 402 PAYMENT_DECLINED and its paymentId; the order stays payable and a good card then pays it', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(1500, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);

        const declined = await pay(buyer.token, order.id, 'pm_card_chargeDeclined');
        expectProblem(declined, 402, 'PAYMENT_DECLINED');
        expect(declined.body.paymentId).toMatch(UUID);
        const failed = await api().get(`/payments/${declined.body.paymentId}`, { token: buyer.token });
        expect(failed.status).toBe(200);
        expect(failed.body).toEqual({
          id: declined.body.paymentId,
          orderId: order.id,
          amount: usd(1500),
          status: 'FAILED',
          paymentMethod: 'pm_card_chargeDeclined',
          failureReason: expect.any(String),
          createdAt: isoTimestamp(),
        });
        expect((await orderOf(buyer.token, order.id)).status).toBe('AWAITING_PAYMENT');

        const insufficient = await pay(buyer.token, order.id, 'pm_card_insufficientFunds');
        expectProblem(insufficient, 402, 'PAYMENT_DECLINED');
        expect(insufficient.body.paymentId).not.toBe(declined.body.paymentId);
        expect((await orderOf(buyer.token, order.id)).status).toBe('AWAITING_PAYMENT');
        expect(await stockOf(teapot.id)).toBe(9);

        const payment = await paid(buyer.token, order.id);
        expect(payment).toMatchObject({ status: 'SUCCEEDED', amount: usd(1500) });
        expect([declined.body.paymentId, insufficient.body.paymentId]).not.toContain(payment.id);
        expect((await orderOf(buyer.token, order.id)).status).toBe('CONFIRMED');
      });

      it('charges an order once: paying it again answers 409 ORDER_NOT_PAYABLE, and so do all but one of concurrent payments', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);
        const first = await paid(buyer.token, order.id);
        expectProblem(await pay(buyer.token, order.id, 'pm_card_mastercard'), 409, 'ORDER_NOT_PAYABLE');
        expect((await api().get(`/payments/${first.id}`, { token: buyer.token })).body.status).toBe('SUCCEEDED');

        const raced = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);
        const attempts = await Promise.all(Array.from({ length: 4 }, () => pay(buyer.token, raced.id)));
        expect(attempts.filter((r) => r.status === 201)).toHaveLength(1);
        for (const refused of attempts.filter((r) => r.status !== 201)) {
          expect(refused.status).toBe(409);
          expect(['ORDER_NOT_PAYABLE', 'CONCURRENT_MODIFICATION']).toContain(refused.body.code);
        }
        expect((await orderOf(buyer.token, raced.id)).status).toBe('CONFIRMED');
      });

      it('refuses an unknown payment method, an amount or a malformed order id with 400, charging nothing', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);
        expectProblem(await pay(buyer.token, order.id, 'pm_card_bitcoin'), 400, 'VALIDATION_FAILED');
        for (const body of [
          { orderId: order.id, paymentMethod: 'pm_card_visa', amount: usd(1) },
          { orderId: order.id, paymentMethod: 'pm_card_visa', status: 'SUCCEEDED' },
          { orderId: order.id, paymentMethod: 'pm_card_visa', userId: buyer.id },
          { orderId: order.id },
          { orderId: order.id, paymentMethod: 42 },
          { orderId: 'not-a-uuid', paymentMethod: 'pm_card_visa' },
          { paymentMethod: 'pm_card_visa' },
        ]) {
          expectProblem(await api().post('/payments', body, { token: buyer.token }), 400, 'VALIDATION_FAILED');
        }
        expect((await orderOf(buyer.token, order.id)).status).toBe('AWAITING_PAYMENT');
        expect((await paid(buyer.token, order.id)).amount).toEqual(usd(900));
      });

      it("shows a payment to its order's owner and to admins; anyone else gets 404 PAYMENT_NOT_FOUND", async () => {
        const owner = await newCustomer();
        const stranger = await newCustomer();
        const teapot = await newProduct(900, 10);
        const order = await placed(owner.token, [{ productId: teapot.id, quantity: 1 }]);
        const payment = await paid(owner.token, order.id);
        expect((await api().get(`/payments/${payment.id}`, { token: admin() })).body).toEqual(payment);
        const hidden = await api().get(`/payments/${payment.id}`, { token: stranger.token });
        expectProblem(hidden, 404, 'PAYMENT_NOT_FOUND');
        expectOneProblem(
          hidden,
          await api().get(`/payments/${randomUUID()}`, { token: admin() }),
          await api().get('/payments/not-a-uuid', { token: owner.token }),
        );
        expectProblem(await api().get(`/payments/${payment.id}`), 401, 'UNAUTHORIZED');
      });
    });

    describe('cancelling', () => {
      it('cancels an unpaid order for its owner (CANCELLED_BY_CUSTOMER): its stock returns and it can no longer be paid', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 3 }]);
        expect(await stockOf(teapot.id)).toBe(7);
        const response = await api().post(`/orders/${order.id}/cancel`, undefined, { token: buyer.token });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({
          id: order.id,
          userId: buyer.id,
          status: 'CANCELLED',
          cancellationReason: 'CANCELLED_BY_CUSTOMER',
          total: order.total,
        });
        expect(await orderOf(buyer.token, order.id)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER' });
        expect(await stockOf(teapot.id)).toBe(10);
        expectProblem(await pay(buyer.token, order.id), 409, 'ORDER_NOT_PAYABLE');
      });

      it('cancels a paid order: its payment is REFUNDED and its stock returns', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(1900, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 2 }]);
        const payment = await paid(buyer.token, order.id);
        expect(await stockOf(teapot.id)).toBe(8);
        const response = await api().post(`/orders/${order.id}/cancel`, undefined, { token: buyer.token });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER' });
        expect((await api().get(`/payments/${payment.id}`, { token: buyer.token })).body).toEqual({ ...payment, status: 'REFUNDED' });
        expect(await stockOf(teapot.id)).toBe(10);
      });

      it('answers a second cancel with 409 ORDER_NOT_CANCELLABLE, returning the stock only once', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 4 }]);
        expect((await api().post(`/orders/${order.id}/cancel`, undefined, { token: buyer.token })).status).toBe(200);
        expectProblem(await api().post(`/orders/${order.id}/cancel`, undefined, { token: buyer.token }), 409, 'ORDER_NOT_CANCELLABLE');
        expectProblem(await api().post(`/orders/${order.id}/cancel`, undefined, { token: admin() }), 409, 'ORDER_NOT_CANCELLABLE');
        expect(await stockOf(teapot.id)).toBe(10);
        expectProblem(await api().post(`/orders/${randomUUID()}/cancel`, undefined, { token: buyer.token }), 404, 'ORDER_NOT_FOUND');
      });

      it("lets an admin cancel a customer's order (CANCELLED_BY_ADMIN)", async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 2 }]);
        const response = await api().post(`/orders/${order.id}/cancel`, undefined, { token: admin() });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ id: order.id, userId: buyer.id, status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_ADMIN' });
        expect(await orderOf(buyer.token, order.id)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_ADMIN' });
        expect(await stockOf(teapot.id)).toBe(10);
      });
    });

    describe('history', () => {
      it("shows the order's events oldest first, versions 1..n", async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);
        const justPlaced = await api().get(`/orders/${order.id}/history`, { token: buyer.token });
        expect(justPlaced.status).toBe(200);
        expect(justPlaced.body).toEqual([{ type: expect.stringMatching(/placed/i), version: 1, occurredAt: isoTimestamp(), data: expect.any(Object) }]);

        await paid(buyer.token, order.id);
        expect((await api().post(`/orders/${order.id}/cancel`, undefined, { token: buyer.token })).status).toBe(200);
        const history = await api().get(`/orders/${order.id}/history`, { token: buyer.token });
        expect(history.status).toBe(200);
        const entries = history.body as { type: string; version: number; occurredAt: string; data: Record<string, unknown> }[];
        expect(entries.length).toBeGreaterThanOrEqual(3);
        expect(entries.map((e) => e.version)).toEqual(entries.map((_e, i) => i + 1));
        for (const entry of entries) {
          expect(entry).toEqual({ type: expect.any(String), version: expect.any(Number), occurredAt: isoTimestamp(), data: expect.any(Object) });
          expect(Array.isArray(entry.data)).toBe(false);
        }
        const times = entries.map((e) => Date.parse(e.occurredAt));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(entries[0].type).toMatch(/placed/i);
        const confirmedAt = entries.findIndex((e) => /confirm|paid/i.test(e.type));
        expect(confirmedAt).toBeGreaterThan(0);
        expect(entries[entries.length - 1].type).toMatch(/cancel/i);
        expect(JSON.stringify(entries[entries.length - 1].data)).toContain('CANCELLED_BY_CUSTOMER');
        expect((await api().get(`/orders/${order.id}/history`, { token: admin() })).body).toEqual(entries);
      });
    });

    describe('Idempotency-Key', () => {
      it('answers a repeated POST /orders with the first order, placing it once', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        const key = randomUUID();
        const items = [{ productId: teapot.id, quantity: 2 }];
        const first = await placeOrder(buyer.token, items, { 'idempotency-key': key });
        const again = await placeOrder(buyer.token, items, { 'idempotency-key': key });
        expect(first.status).toBe(201);
        expect(again.status).toBe(201);
        expect(again.body).toEqual(first.body);
        expect(await stockOf(teapot.id)).toBe(8);
        expect((await ordersOf(buyer.token)).body.total).toBe(1);
      });

      it('answers the same key with another body with 422 IDEMPOTENCY_KEY_REUSED, and keeps keys apart per user', async () => {
        const buyer = await newCustomer();
        const other = await newCustomer();
        const teapot = await newProduct(900, 10);
        const key = randomUUID();
        expect((await placeOrder(buyer.token, [{ productId: teapot.id, quantity: 1 }], { 'idempotency-key': key })).status).toBe(201);
        expectProblem(await placeOrder(buyer.token, [{ productId: teapot.id, quantity: 2 }], { 'idempotency-key': key }), 422, 'IDEMPOTENCY_KEY_REUSED');
        expect(await stockOf(teapot.id)).toBe(9);

        const theirs = await placeOrder(other.token, [{ productId: teapot.id, quantity: 1 }], { 'idempotency-key': key });
        expect(theirs.status).toBe(201);
        expect(theirs.body.userId).toBe(other.id);
        expect(await stockOf(teapot.id)).toBe(8);
        expect((await ordersOf(buyer.token)).body.total).toBe(1);
      });

      it('answers a repeated refusal with the same refusal, even once it would succeed', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 1);
        const key = randomUUID();
        const items = [{ productId: teapot.id, quantity: 2 }];
        expectProblem(await placeOrder(buyer.token, items, { 'idempotency-key': key }), 409, 'INSUFFICIENT_STOCK');
        expect((await api().post(`/products/${teapot.id}/stock-adjustments`, { delta: 5 }, { token: admin() })).status).toBe(200);
        expectProblem(await placeOrder(buyer.token, items, { 'idempotency-key': key }), 409, 'INSUFFICIENT_STOCK');
        expect(await stockOf(teapot.id)).toBe(6);
        expect((await placeOrder(buyer.token, items, { 'idempotency-key': randomUUID() })).status).toBe(201);
      });

      it('places one order for concurrent requests with one key; the others answer it too, or 409 IDEMPOTENCY_KEY_IN_USE', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 20);
        const key = randomUUID();
        const items = [{ productId: teapot.id, quantity: 3 }];
        const responses = await Promise.all(Array.from({ length: 5 }, () => placeOrder(buyer.token, items, { 'idempotency-key': key })));
        const created = responses.filter((r) => r.status === 201);
        expect(created.length).toBeGreaterThanOrEqual(1);
        expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
        for (const other of responses.filter((r) => r.status !== 201)) expectProblem(other, 409, 'IDEMPOTENCY_KEY_IN_USE');
        expect((await ordersOf(buyer.token)).body.total).toBe(1);
        expect(await stockOf(teapot.id)).toBe(17);
        const later = await placeOrder(buyer.token, items, { 'idempotency-key': key });
        expect([later.status, later.body.id]).toEqual([201, created[0].body.id]);
      });

      it('answers a repeated POST /payments with the first payment, charging once, and a repeated decline with the same paymentId', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);
        const key = randomUUID();
        const first = await pay(buyer.token, order.id, 'pm_card_visa', { 'idempotency-key': key });
        const again = await pay(buyer.token, order.id, 'pm_card_visa', { 'idempotency-key': key });
        expect([first.status, again.status]).toEqual([201, 201]);
        expect(again.body).toEqual(first.body);
        expectProblem(await pay(buyer.token, order.id, 'pm_card_mastercard', { 'idempotency-key': key }), 422, 'IDEMPOTENCY_KEY_REUSED');
        expectProblem(await pay(buyer.token, order.id, 'pm_card_visa', { 'idempotency-key': randomUUID() }), 409, 'ORDER_NOT_PAYABLE');

        const unpaid = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);
        const declineKey = randomUUID();
        const declined = await pay(buyer.token, unpaid.id, 'pm_card_chargeDeclined', { 'idempotency-key': declineKey });
        const declinedAgain = await pay(buyer.token, unpaid.id, 'pm_card_chargeDeclined', { 'idempotency-key': declineKey });
        expectProblem(declined, 402, 'PAYMENT_DECLINED');
        expectProblem(declinedAgain, 402, 'PAYMENT_DECLINED');
        expect(declinedAgain.body.paymentId).toBe(declined.body.paymentId);
        expect((await pay(buyer.token, unpaid.id, 'pm_card_visa', { 'idempotency-key': randomUUID() })).status).toBe(201);
      });

      it('answers a repeated POST /payments with its first payment once the order it paid is cancelled and refunded', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 2 }]);
        const key = randomUUID();
        const first = await pay(buyer.token, order.id, 'pm_card_visa', { 'idempotency-key': key });
        expect(first.status).toBe(201);
        expect((await api().post(`/orders/${order.id}/cancel`, undefined, { token: buyer.token })).status).toBe(200);

        const again = await pay(buyer.token, order.id, 'pm_card_visa', { 'idempotency-key': key });
        expect([again.status, again.body]).toEqual([201, first.body]);
        expect((await api().get(`/payments/${first.body.id}`, { token: buyer.token })).body).toEqual({ ...first.body, status: 'REFUNDED' });
        expect((await orderOf(buyer.token, order.id)).status).toBe('CANCELLED');
        expect(await stockOf(teapot.id)).toBe(10);
      });

      it('refuses a key over 255 characters with 400, doing nothing', async () => {
        const buyer = await newCustomer();
        const teapot = await newProduct(900, 10);
        expectProblem(await placeOrder(buyer.token, [{ productId: teapot.id, quantity: 1 }], { 'idempotency-key': 'k'.repeat(256) }), 400, 'VALIDATION_FAILED');
        expect(await stockOf(teapot.id)).toBe(10);
        const order = await placed(buyer.token, [{ productId: teapot.id, quantity: 1 }]);
        expectProblem(await pay(buyer.token, order.id, 'pm_card_visa', { 'idempotency-key': 'k'.repeat(256) }), 400, 'VALIDATION_FAILED');
        expect((await orderOf(buyer.token, order.id)).status).toBe('AWAITING_PAYMENT');
        expect((await placeOrder(buyer.token, [{ productId: teapot.id, quantity: 1 }], { 'idempotency-key': 'k'.repeat(255) })).status).toBe(201);
      });
    });

    describe('operations', () => {
      it('reaches ordering and payments, and documents their routes', async () => {
        const reached = await api().get('/health/contexts');
        expect(reached.status).toBe(200);
        expect(reached.body.contexts).toMatchObject({ ordering: { status: 'up' }, payments: { status: 'up' } });
        const doc = (await api().get('/docs-json')).body;
        expect(Object.keys(doc.paths)).toEqual(
          expect.arrayContaining(['/orders', '/orders/{id}', '/orders/{id}/cancel', '/orders/{id}/history', '/payments', '/payments/{id}']),
        );
        expect(doc.paths['/orders'].post.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
        expect(doc.paths['/payments'].post.responses['402']).toBeDefined();
      });
    });
  });
}
