import { Api } from '../harness/http';
import { RunningTopology, startMonolith } from '../harness/topologies';
import { eventually, expectProblem } from './expectations';
import { shelfAndBuyer } from './shelf-and-buyer';

const TIMEOUT_SECONDS = 2;

describe(`an order left unpaid for ORDER_PAYMENT_TIMEOUT_SECONDS (${TIMEOUT_SECONDS} s)`, () => {
  let topology: RunningTopology;
  let api: Api;

  beforeAll(async () => {
    topology = await startMonolith('embedded', { ORDER_PAYMENT_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) });
    api = await new Api(topology.baseUrl).holdingToOpenApi();
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  it('is cancelled with PAYMENT_EXPIRED: its stock returns and it can no longer be paid, while a paid order stays confirmed', async () => {
    const { productId, token } = await shelfAndBuyer(api, 'Hourglass', 5);
    const stock = async () => (await api.get(`/products/${productId}`)).body.stock as number;

    const unpaid = await api.post('/orders', { items: [{ productId, quantity: 2 }] }, { token });
    expect(unpaid.status).toBe(201);
    expect(await stock()).toBe(3);
    expect(Math.abs(Date.parse(unpaid.body.expiresAt) - Date.parse(unpaid.body.createdAt) - TIMEOUT_SECONDS * 1000)).toBeLessThan(1000);
    const paidInTime = await api.post('/orders', { items: [{ productId, quantity: 1 }] }, { token });
    const payment = await api.post('/payments', { orderId: paidInTime.body.id, paymentMethod: 'pm_card_visa' }, { token });
    expect(payment.status).toBe(201);

    const expired = await eventually(
      async () => (await api.get(`/orders/${unpaid.body.id}`, { token })).body,
      (order) => order.status !== 'AWAITING_PAYMENT',
      30_000,
    );
    expect(expired).toMatchObject({ id: unpaid.body.id, status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED' });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(unpaid.body.expiresAt));
    expect(await eventually(stock, (units) => units === 4)).toBe(4);

    expectProblem(await api.post('/payments', { orderId: unpaid.body.id, paymentMethod: 'pm_card_visa' }, { token }), 409, 'ORDER_NOT_PAYABLE');
    expectProblem(await api.post(`/orders/${unpaid.body.id}/cancel`, undefined, { token }), 409, 'ORDER_NOT_CANCELLABLE');
    const history = (await api.get(`/orders/${unpaid.body.id}/history`, { token })).body as { type: string; version: number; data: unknown }[];
    expect(history.map((e) => e.version)).toEqual(history.map((_e, i) => i + 1));
    expect(JSON.stringify(history[history.length - 1].data)).toContain('PAYMENT_EXPIRED');

    expect((await api.get(`/orders/${paidInTime.body.id}`, { token })).body.status).toBe('CONFIRMED');
    expect((await api.get(`/payments/${payment.body.id}`, { token })).body.status).toBe('SUCCEEDED');
    expect(await stock()).toBe(4);
  }, 60_000);
});
