import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ERROR_CODES, type ReservationExpiredEvent } from '@tessera/contracts';
import { ConfirmPaymentCommand } from '../../commands/confirm-payment/confirm-payment.command';
import { GetOrderQuery } from '../../queries/get-order/get-order.query';
import { newUserId, orderingTestKit } from '../../testing/ordering-test-kit';

describe('OnReservationExpiredHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  let loggedErrors: jest.SpyInstance;
  const ada = newUserId();

  beforeEach(() => {
    kit = orderingTestKit();
    loggedErrors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  const expired = (order: { id: string; productId: string }): ReservationExpiredEvent => ({
    eventId: randomUUID(),
    occurredAt: kit.clock.now().toISOString(),
    version: 1,
    reservationId: order.id,
    lines: [{ productId: order.productId, quantity: 2 }],
  });
  const view = (orderId: string) => kit.getOrder.execute(new GetOrderQuery(orderId, { userId: ada, isAdmin: false }));

  it('expires an order whose time to pay is over, as the sweeper would', async () => {
    const order = await kit.givenOrder(ada);
    kit.clock.advanceSeconds(kit.settings.paymentTimeoutSeconds);

    await kit.onReservationExpired.execute(expired(order));

    expect(await view(order.id)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED' });
    expect(kit.outbox.published).toEqual([{ pattern: 'ordering.order.cancelled', payload: { orderId: order.id, reason: 'PAYMENT_EXPIRED' } }]);
    expect(loggedErrors).not.toHaveBeenCalled();
  });

  it('expires an order still within its time to pay whose stock is gone, so that no payment can confirm it without stock', async () => {
    const order = await kit.givenOrder(ada);
    kit.clock.advanceSeconds(60);

    await kit.onReservationExpired.execute(expired(order));

    expect(await view(order.id)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED' });
    expect(kit.outbox.published).toEqual([{ pattern: 'ordering.order.cancelled', payload: { orderId: order.id, reason: 'PAYMENT_EXPIRED' } }]);
    await expect(kit.confirmPayment.execute(new ConfirmPaymentCommand(order.id, 'pay-1'))).rejects.toMatchObject({ code: ERROR_CODES.ORDER_NOT_PAYABLE });
    expect(loggedErrors).toHaveBeenCalledTimes(1);
  });

  it('changes the order once when the event comes again', async () => {
    const order = await kit.givenOrder(ada);
    const event = expired(order);

    await kit.onReservationExpired.execute(event);
    await kit.onReservationExpired.execute(event);
    await kit.onReservationExpired.execute(expired(order));

    expect(kit.orders.streamOf(order.id).map((stored) => stored.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
    expect(kit.outbox.patterns()).toEqual(['ordering.order.cancelled']);
  });

  it('leaves a confirmed order as it is, for a person to look at', async () => {
    const order = await kit.givenOrder(ada);
    await kit.confirmPayment.execute(new ConfirmPaymentCommand(order.id, 'pay-1'));
    kit.outbox.published.length = 0;

    await kit.onReservationExpired.execute(expired(order));

    expect(await view(order.id)).toMatchObject({ status: 'CONFIRMED' });
    expect(kit.outbox.published).toEqual([]);
    expect(loggedErrors).toHaveBeenCalledTimes(1);
  });
});
