import { newUserId, orderingTestKit } from '../../testing/ordering-test-kit';
import { CancelOrderCommand } from '../../commands/cancel-order/cancel-order.command';
import { ConfirmPaymentCommand } from '../../commands/confirm-payment/confirm-payment.command';
import { GetOrderHistoryQuery } from './get-order-history.query';

describe('GetOrderHistoryHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  const ada = newUserId();
  const asAda = { userId: ada, isAdmin: false };

  beforeEach(() => {
    kit = orderingTestKit();
  });

  it("answers every event of the order's stream, oldest first, with its version, time and data", async () => {
    const order = await kit.givenOrder(ada, 2);
    kit.clock.advanceSeconds(60);
    await kit.confirmPayment.execute(new ConfirmPaymentCommand(order.id, 'pay-1'));
    kit.clock.advanceSeconds(60);
    await kit.cancelOrder.execute(new CancelOrderCommand(order.id, asAda));

    const history = await kit.getOrderHistory.execute(new GetOrderHistoryQuery(order.id, asAda));

    expect(history).toEqual([
      {
        type: 'OrderPlaced',
        version: 1,
        occurredAt: '2030-01-01T10:00:00.000Z',
        data: { userId: ada, lines: order.items, total: { amount: 2500, currency: 'USD' }, expiresAt: '2030-01-01T10:15:00.000Z' },
      },
      { type: 'OrderConfirmed', version: 2, occurredAt: '2030-01-01T10:01:00.000Z', data: { paymentId: 'pay-1' } },
      { type: 'OrderCancelled', version: 3, occurredAt: '2030-01-01T10:02:00.000Z', data: { reason: 'CANCELLED_BY_CUSTOMER' } },
    ]);
  });

  it("answers ORDER_NOT_FOUND for another customer's order, and the history to an admin", async () => {
    const order = await kit.givenOrder(ada);

    await expect(kit.getOrderHistory.execute(new GetOrderHistoryQuery(order.id, { userId: newUserId(), isAdmin: false }))).rejects.toMatchObject({
      code: 'ORDER_NOT_FOUND',
    });
    await expect(kit.getOrderHistory.execute(new GetOrderHistoryQuery(order.id, { userId: newUserId(), isAdmin: true }))).resolves.toHaveLength(1);
  });

  it('answers ORDER_NOT_FOUND for a malformed id', async () => {
    await expect(kit.getOrderHistory.execute(new GetOrderHistoryQuery('1; DROP TABLE', asAda))).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
  });
});
