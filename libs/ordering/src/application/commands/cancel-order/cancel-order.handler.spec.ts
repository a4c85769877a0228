import { Logger } from '@nestjs/common';
import { CATALOG_PATTERNS, PAYMENTS_PATTERNS } from '@tessera/contracts';
import { newUserId, orderingTestKit } from '../../testing/ordering-test-kit';
import { ConfirmPaymentCommand } from '../confirm-payment/confirm-payment.command';
import { CancelOrderCommand } from './cancel-order.command';

describe('CancelOrderHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  const ada = newUserId();
  const asAda = { userId: ada, isAdmin: false };
  const asAdmin = { userId: newUserId(), isAdmin: true };

  beforeEach(() => {
    kit = orderingTestKit();
  });

  afterEach(() => jest.restoreAllMocks());

  it("cancels its owner's order awaiting payment, releases its stock and refunds nothing", async () => {
    const order = await kit.givenOrder(ada, 3);
    kit.clock.advanceSeconds(30);

    const view = await kit.cancelOrder.execute(new CancelOrderCommand(order.id, asAda));

    expect(view).toMatchObject({ id: order.id, status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER', updatedAt: '2030-01-01T10:00:30.000Z' });
    expect(kit.catalog.stockOf(order.productId)).toBe(10);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toEqual([{ reservationId: order.id }]);
    expect(kit.payments.calls).toEqual([]);
  });

  it('appends OrderCancelled to the stream and publishes ordering.order.cancelled with the reason', async () => {
    const order = await kit.givenOrder(ada);

    await kit.cancelOrder.execute(new CancelOrderCommand(order.id, asAda));

    expect(kit.orders.streamOf(order.id).map(({ type, version, data }) => ({ type, version, data }))).toEqual([
      expect.objectContaining({ type: 'OrderPlaced', version: 1 }),
      { type: 'OrderCancelled', version: 2, data: { reason: 'CANCELLED_BY_CUSTOMER' } },
    ]);
    expect(kit.outbox.published).toEqual([{ pattern: 'ordering.order.cancelled', payload: { orderId: order.id, reason: 'CANCELLED_BY_CUSTOMER' } }]);
  });

  it("lets an admin cancel anyone's order, as CANCELLED_BY_ADMIN", async () => {
    const order = await kit.givenOrder(ada);

    await expect(kit.cancelOrder.execute(new CancelOrderCommand(order.id, asAdmin))).resolves.toMatchObject({ cancellationReason: 'CANCELLED_BY_ADMIN' });
  });

  it('refunds a paid order and releases its sold stock', async () => {
    const order = await kit.givenOrder(ada, 4);
    await kit.confirmPayment.execute(new ConfirmPaymentCommand(order.id, 'pay-1'));
    expect(kit.catalog.statusOf(order.id)).toBe('COMMITTED');

    const view = await kit.cancelOrder.execute(new CancelOrderCommand(order.id, asAda));

    expect(view.status).toBe('CANCELLED');
    expect(kit.payments.requestsOf(PAYMENTS_PATTERNS.REFUND_ORDER)).toEqual([{ orderId: order.id }]);
    expect(kit.catalog.statusOf(order.id)).toBe('RELEASED');
    expect(kit.catalog.stockOf(order.productId)).toBe(10);
  });

  it('answers ORDER_NOT_CANCELLABLE for a cancelled order, and changes, releases and publishes nothing more', async () => {
    const order = await kit.givenOrder(ada);
    await kit.cancelOrder.execute(new CancelOrderCommand(order.id, asAda));
    kit.catalog.calls.length = 0;
    kit.outbox.published.length = 0;

    await expect(kit.cancelOrder.execute(new CancelOrderCommand(order.id, asAdmin))).rejects.toMatchObject({ code: 'ORDER_NOT_CANCELLABLE' });

    expect(kit.orders.streamOf(order.id)).toHaveLength(2);
    expect([kit.catalog.calls, kit.outbox.published, kit.payments.calls]).toEqual([[], [], []]);
  });

  it.each([
    ["another customer's order", (id: string) => id, { userId: newUserId(), isAdmin: false }],
    ['an unknown order', () => '7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f', { userId: ada, isAdmin: false }],
    ['a malformed id', () => "x' OR 1=1 --", { userId: ada, isAdmin: true }],
  ])('answers ORDER_NOT_FOUND for %s', async (_case, idOf, requester) => {
    const order = await kit.givenOrder(ada);

    await expect(kit.cancelOrder.execute(new CancelOrderCommand(idOf(order.id), requester))).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
    expect(kit.orders.streamOf(order.id)).toHaveLength(1);
  });

  it('answers the cancelled order even when releasing its stock fails, leaving that to the integration event', async () => {
    const order = await kit.givenOrder(ada);
    kit.catalog.failNext(CATALOG_PATTERNS.RELEASE_RESERVATION);
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    await expect(kit.cancelOrder.execute(new CancelOrderCommand(order.id, asAda))).resolves.toMatchObject({ status: 'CANCELLED' });

    expect(kit.outbox.patterns()).toEqual(['ordering.order.cancelled']);
    expect(warned).toHaveBeenCalledWith(expect.stringContaining(`Releasing the stock of cancelled order ${order.id} failed`));
  });

  it('cancels and refunds an order that a payment confirmed between its load and its save', async () => {
    const order = await kit.givenOrder(ada);
    kit.orders.interleaveBeforeNextSave(() => kit.confirmPayment.execute(new ConfirmPaymentCommand(order.id, 'pay-1')));

    const view = await kit.cancelOrder.execute(new CancelOrderCommand(order.id, asAda));

    expect(view.status).toBe('CANCELLED');
    expect(kit.orders.streamOf(order.id).map((event) => event.type)).toEqual(['OrderPlaced', 'OrderConfirmed', 'OrderCancelled']);
    expect(kit.payments.requestsOf(PAYMENTS_PATTERNS.REFUND_ORDER)).toEqual([{ orderId: order.id }]);
  });
});
