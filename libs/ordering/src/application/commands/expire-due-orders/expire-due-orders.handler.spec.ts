import { Logger } from '@nestjs/common';
import { CATALOG_PATTERNS } from '@tessera/contracts';
import { newUserId, orderingTestKit } from '../../testing/ordering-test-kit';
import { ConfirmPaymentCommand } from '../confirm-payment/confirm-payment.command';
import { ExpireDueOrdersCommand } from './expire-due-orders.command';

describe('ExpireDueOrdersHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;

  beforeEach(() => {
    kit = orderingTestKit();
  });

  afterEach(() => jest.restoreAllMocks());

  const sweep = () => kit.expireDueOrders.execute(new ExpireDueOrdersCommand());

  it('cancels the orders not paid in time with PAYMENT_EXPIRED and releases their stock', async () => {
    const order = await kit.givenOrder(newUserId(), 3);
    kit.clock.advanceSeconds(900);

    await expect(sweep()).resolves.toBe(1);

    expect(kit.orders.streamOf(order.id).map(({ type, data }) => [type, data])).toEqual([
      ['OrderPlaced', expect.anything()],
      ['OrderCancelled', { reason: 'PAYMENT_EXPIRED' }],
    ]);
    expect(kit.outbox.published).toEqual([{ pattern: 'ordering.order.cancelled', payload: { orderId: order.id, reason: 'PAYMENT_EXPIRED' } }]);
    expect(kit.catalog.stockOf(order.productId)).toBe(10);
  });

  it('leaves orders still within their time, confirmed or cancelled alone', async () => {
    const early = await kit.givenOrder();
    kit.clock.advanceSeconds(100);
    const late = await kit.givenOrder();
    const paid = await kit.givenOrder();
    await kit.confirmPayment.execute(new ConfirmPaymentCommand(paid.id, 'pay-1'));
    kit.clock.advanceSeconds(850);

    await expect(sweep()).resolves.toBe(1);

    expect(kit.orders.streamOf(early.id)).toHaveLength(2);
    expect(kit.orders.streamOf(late.id)).toHaveLength(1);
    expect(kit.orders.streamOf(paid.id)).toHaveLength(2);
    await expect(sweep()).resolves.toBe(0);
  });

  it('changes an order once when two sweepers expire it at the same time, and releases it once', async () => {
    const order = await kit.givenOrder();
    kit.clock.advanceSeconds(901);

    const counts = await Promise.all([sweep(), sweep()]);

    expect(counts.sort()).toEqual([0, 1]);
    expect(kit.orders.streamOf(order.id).map((event) => event.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toEqual([{ reservationId: order.id }]);
    expect(kit.outbox.patterns()).toEqual(['ordering.order.cancelled']);
  });

  it('leaves an order that a payment confirmed between its load and its save confirmed, and its stock sold', async () => {
    const order = await kit.givenOrder();
    const deadline = new Date(order.expiresAt);
    kit.clock.set(new Date(deadline.getTime() + 1000));
    // The payment was taken a moment before the deadline, on another instance, and is stored while this sweep runs.
    kit.orders.interleaveBeforeNextSave(async () => {
      const sweepTime = kit.clock.now();
      kit.clock.set(new Date(deadline.getTime() - 100));
      await kit.confirmPayment.execute(new ConfirmPaymentCommand(order.id, 'pay-1'));
      kit.clock.set(sweepTime);
    });

    await expect(sweep()).resolves.toBe(0);

    expect(kit.orders.streamOf(order.id).map((event) => event.type)).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toEqual([]);
    expect(kit.catalog.statusOf(order.id)).toBe('COMMITTED');
  });

  it('goes on with the other orders when one cannot be expired now, and expires it next round', async () => {
    const first = await kit.givenOrder();
    const second = await kit.givenOrder();
    kit.clock.advanceSeconds(900);
    kit.orders.failNextSave(new Error('statement timeout'));
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

    await expect(sweep()).resolves.toBe(1);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('statement timeout'));
    await expect(sweep()).resolves.toBe(1);

    expect([kit.orders.streamOf(first.id).length, kit.orders.streamOf(second.id).length]).toEqual([2, 2]);
  });
});
