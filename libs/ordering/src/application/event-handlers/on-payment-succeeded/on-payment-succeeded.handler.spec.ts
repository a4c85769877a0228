import { Logger } from '@nestjs/common';
import { CATALOG_PATTERNS, PAYMENTS_PATTERNS, PaymentSucceededEvent } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';
import { CancelOrderCommand } from '../../commands/cancel-order/cancel-order.command';
import { ConfirmPaymentCommand } from '../../commands/confirm-payment/confirm-payment.command';
import { newUserId, orderingTestKit } from '../../testing/ordering-test-kit';

describe('OnPaymentSucceededHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  const ada = newUserId();

  beforeEach(() => {
    kit = orderingTestKit();
  });

  afterEach(() => jest.restoreAllMocks());

  const succeeded = (orderId: string, paymentId = 'pay-1'): PaymentSucceededEvent => ({
    eventId: randomUUID(),
    occurredAt: '2030-01-01T10:01:00.000Z',
    version: 1,
    paymentId,
    orderId,
    amount: { amount: 2500, currency: 'USD' },
  });

  it('confirms an order awaiting payment, publishes ordering.order.confirmed and commits its stock', async () => {
    const order = await kit.givenOrder(ada);

    await kit.onPaymentSucceeded.execute(succeeded(order.id));

    expect(kit.orders.streamOf(order.id).map((event) => event.type)).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect(kit.outbox.published).toEqual([{ pattern: 'ordering.order.confirmed', payload: { orderId: order.id, paymentId: 'pay-1' } }]);
    expect(kit.catalog.statusOf(order.id)).toBe('COMMITTED');
  });

  it('does the work of one event once, however often it is delivered', async () => {
    const order = await kit.givenOrder(ada);
    const event = succeeded(order.id);

    await Promise.all([kit.onPaymentSucceeded.execute(event), kit.onPaymentSucceeded.execute(event)]);
    await kit.onPaymentSucceeded.execute(event);

    expect(kit.orders.streamOf(order.id)).toHaveLength(2);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.COMMIT_RESERVATION)).toHaveLength(1);
  });

  it('changes nothing when ordering.confirm-payment confirmed the order already', async () => {
    const order = await kit.givenOrder(ada);
    await kit.confirmPayment.execute(new ConfirmPaymentCommand(order.id, 'pay-1'));
    kit.catalog.calls.length = 0;
    kit.outbox.published.length = 0;

    await kit.onPaymentSucceeded.execute(succeeded(order.id, 'pay-1'));

    expect(kit.orders.streamOf(order.id)).toHaveLength(2);
    expect([kit.catalog.calls, kit.outbox.published, kit.payments.calls]).toEqual([[], [], []]);
  });

  it('reads nothing when this process has just confirmed the order with this payment, and reads when another process did', async () => {
    const order = await kit.givenOrder(ada);
    await kit.confirmPayment.execute(new ConfirmPaymentCommand(order.id, 'pay-1'));
    const reads = jest.spyOn(kit.orders, 'findSnapshot');

    await kit.onPaymentSucceeded.execute(succeeded(order.id, 'pay-1'));
    expect(reads).not.toHaveBeenCalled();

    const elsewhere = orderingTestKit();
    const confirmedElsewhere = await elsewhere.givenOrder(ada);
    await elsewhere.onPaymentSucceeded.execute(succeeded(confirmedElsewhere.id, 'pay-2'));
    const readsElsewhere = jest.spyOn(elsewhere.orders, 'findSnapshot');
    await elsewhere.onPaymentSucceeded.execute(succeeded(confirmedElsewhere.id, 'pay-2'));
    expect(readsElsewhere).toHaveBeenCalledTimes(1);
    expect(elsewhere.orders.streamOf(confirmedElsewhere.id)).toHaveLength(2);
  });

  it('asks payments to refund the charge of an order cancelled meanwhile', async () => {
    const order = await kit.givenOrder(ada);
    await kit.cancelOrder.execute(new CancelOrderCommand(order.id, { userId: ada, isAdmin: false }));

    await kit.onPaymentSucceeded.execute(succeeded(order.id));

    expect(kit.payments.requestsOf(PAYMENTS_PATTERNS.REFUND_ORDER)).toEqual([{ orderId: order.id }]);
    expect(kit.orders.streamOf(order.id).map((event) => event.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
  });

  it('expires an order past its time to pay, releases its stock and refunds the charge', async () => {
    const order = await kit.givenOrder(ada, 3);
    kit.clock.advanceSeconds(901);

    await kit.onPaymentSucceeded.execute(succeeded(order.id));

    expect(kit.orders.streamOf(order.id)[1]).toMatchObject({ type: 'OrderCancelled', data: { reason: 'PAYMENT_EXPIRED' } });
    expect(kit.outbox.patterns()).toEqual(['ordering.order.cancelled']);
    expect(kit.catalog.stockOf(order.productId)).toBe(10);
    expect(kit.payments.requestsOf(PAYMENTS_PATTERNS.REFUND_ORDER)).toEqual([{ orderId: order.id }]);
  });

  it('fails when the refund fails, and asks for it again when the event comes again', async () => {
    const order = await kit.givenOrder(ada);
    await kit.cancelOrder.execute(new CancelOrderCommand(order.id, { userId: ada, isAdmin: false }));
    const event = succeeded(order.id);
    kit.payments.failNext(PAYMENTS_PATTERNS.REFUND_ORDER);

    await expect(kit.onPaymentSucceeded.execute(event)).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });
    await kit.onPaymentSucceeded.execute(event);

    expect(kit.payments.requestsOf(PAYMENTS_PATTERNS.REFUND_ORDER)).toHaveLength(2);
  });

  it('refunds nothing, and logs, when another payment confirmed the order', async () => {
    const order = await kit.givenOrder(ada);
    await kit.confirmPayment.execute(new ConfirmPaymentCommand(order.id, 'pay-1'));
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

    await kit.onPaymentSucceeded.execute(succeeded(order.id, 'pay-2'));

    expect(kit.payments.calls).toEqual([]);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('pay-2'));
  });

  it('ignores a payment of an unknown order, and an event without ids', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    await kit.onPaymentSucceeded.execute(succeeded('7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f'));
    await kit.onPaymentSucceeded.execute({ eventId: randomUUID() } as PaymentSucceededEvent);

    expect(warned).toHaveBeenCalledTimes(2);
    expect([kit.catalog.calls, kit.payments.calls, kit.outbox.published]).toEqual([[], [], []]);
  });
});
