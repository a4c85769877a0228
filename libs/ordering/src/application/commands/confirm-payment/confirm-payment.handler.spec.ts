import { Logger } from '@nestjs/common';
import { CATALOG_PATTERNS } from '@tessera/contracts';
import { newUserId, orderingTestKit } from '../../testing/ordering-test-kit';
import { CancelOrderCommand } from '../cancel-order/cancel-order.command';
import { ExpireDueOrdersCommand } from '../expire-due-orders/expire-due-orders.command';
import { ConfirmPaymentCommand } from './confirm-payment.command';

describe('ConfirmPaymentHandler', () => {
  let kit: ReturnType<typeof orderingTestKit>;
  const ada = newUserId();

  beforeEach(() => {
    kit = orderingTestKit();
  });

  afterEach(() => jest.restoreAllMocks());

  const confirm = (orderId: string, paymentId = 'pay-1') => kit.confirmPayment.execute(new ConfirmPaymentCommand(orderId, paymentId));

  it('confirms the order, then commits its reservation', async () => {
    const order = await kit.givenOrder(ada);
    kit.clock.advanceSeconds(60);

    const view = await confirm(order.id);

    expect(view).toMatchObject({ id: order.id, status: 'CONFIRMED', updatedAt: '2030-01-01T10:01:00.000Z' });
    expect(view).not.toHaveProperty('cancellationReason');
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.COMMIT_RESERVATION)).toEqual([{ reservationId: order.id }]);
    expect(kit.catalog.statusOf(order.id)).toBe('COMMITTED');
  });

  it('publishes ordering.order.confirmed only once the stock is committed, so that its handler in catalog finds it committed', async () => {
    const order = await kit.givenOrder(ada);
    const send = kit.catalog.send.bind(kit.catalog);
    let publishedAtCommit: number | undefined;
    jest.spyOn(kit.catalog, 'send').mockImplementation(async (pattern: string, request: unknown) => {
      if (pattern === CATALOG_PATTERNS.COMMIT_RESERVATION) publishedAtCommit = kit.outbox.published.length;
      return send(pattern, request);
    });

    await confirm(order.id);

    expect(publishedAtCommit).toBe(0);
    expect(kit.outbox.patterns()).toEqual(['ordering.order.confirmed']);
  });

  it('appends OrderConfirmed with the payment and publishes ordering.order.confirmed', async () => {
    const order = await kit.givenOrder(ada);

    await confirm(order.id, 'pay-7');

    expect(kit.orders.streamOf(order.id)[1]).toMatchObject({ type: 'OrderConfirmed', version: 2, data: { paymentId: 'pay-7' } });
    expect(kit.outbox.published).toEqual([{ pattern: 'ordering.order.confirmed', payload: { orderId: order.id, paymentId: 'pay-7' } }]);
  });

  it('is idempotent for the same payment: the same answer, one event', async () => {
    const order = await kit.givenOrder(ada);

    const first = await confirm(order.id);
    const again = await confirm(order.id);

    expect(again).toEqual(first);
    expect(kit.orders.streamOf(order.id)).toHaveLength(2);
    expect(kit.outbox.patterns()).toEqual(['ordering.order.confirmed']);
  });

  it('answers ORDER_NOT_PAYABLE for a cancelled order and commits nothing', async () => {
    const order = await kit.givenOrder(ada);
    await kit.cancelOrder.execute(new CancelOrderCommand(order.id, { userId: ada, isAdmin: false }));

    await expect(confirm(order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.COMMIT_RESERVATION)).toEqual([]);
  });

  it('answers the order again for the payment that confirmed it, once it is cancelled, committing nothing and changing nothing', async () => {
    const order = await kit.givenOrder(ada);
    await confirm(order.id, 'pay-1');
    await kit.cancelOrder.execute(new CancelOrderCommand(order.id, { userId: ada, isAdmin: false }));
    const commits = kit.catalog.requestsOf(CATALOG_PATTERNS.COMMIT_RESERVATION).length;

    await expect(confirm(order.id, 'pay-1')).resolves.toMatchObject({ id: order.id, status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER' });

    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.COMMIT_RESERVATION)).toHaveLength(commits);
    expect(kit.orders.streamOf(order.id).map((entry) => entry.type)).toEqual(['OrderPlaced', 'OrderConfirmed', 'OrderCancelled']);
    await expect(confirm(order.id, 'pay-2')).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
  });

  it('answers ORDER_NOT_PAYABLE for another payment of a confirmed order', async () => {
    const order = await kit.givenOrder(ada);
    await confirm(order.id, 'pay-1');

    await expect(confirm(order.id, 'pay-2')).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
    expect(kit.orders.streamOf(order.id)).toHaveLength(2);
  });

  it('expires an order past its time to pay that the sweeper has not reached, releases its stock and answers ORDER_NOT_PAYABLE', async () => {
    const order = await kit.givenOrder(ada, 3);
    kit.clock.advanceSeconds(900);

    await expect(confirm(order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

    expect(kit.orders.streamOf(order.id).map(({ type, data }) => [type, data])).toEqual([
      ['OrderPlaced', expect.anything()],
      ['OrderCancelled', { reason: 'PAYMENT_EXPIRED' }],
    ]);
    expect(kit.outbox.published).toEqual([{ pattern: 'ordering.order.cancelled', payload: { orderId: order.id, reason: 'PAYMENT_EXPIRED' } }]);
    expect(kit.catalog.stockOf(order.productId)).toBe(10);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.COMMIT_RESERVATION)).toEqual([]);
  });

  it('accepts a payment one moment before the order expires', async () => {
    const order = await kit.givenOrder(ada);
    kit.clock.advanceSeconds(899.999);

    await expect(confirm(order.id)).resolves.toMatchObject({ status: 'CONFIRMED' });
  });

  it('answers ORDER_NOT_PAYABLE, with one expiry, when the sweeper expires the order between its load and its save', async () => {
    const order = await kit.givenOrder(ada);
    // The payment is loaded a second before the deadline; the sweeper, a second after it, stores its expiry first.
    kit.orders.interleaveBeforeNextSave(async () => {
      kit.clock.advanceSeconds(2);
      await kit.expireDueOrders.execute(new ExpireDueOrdersCommand());
    });
    kit.clock.advanceSeconds(899);

    await expect(confirm(order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

    expect(kit.orders.streamOf(order.id).map((event) => event.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
    expect(kit.catalog.requestsOf(CATALOG_PATTERNS.RELEASE_RESERVATION)).toEqual([{ reservationId: order.id }]);
  });

  it.each(['7b0f9a0e-5d2c-4c1e-8f3a-6a1b2c3d4e5f', 'not-a-uuid'])('answers ORDER_NOT_FOUND for %s', async (orderId) => {
    await expect(confirm(orderId)).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
  });

  it('keeps the order confirmed when committing the stock fails, leaving that to ordering.order.confirmed', async () => {
    const order = await kit.givenOrder(ada);
    kit.catalog.failNext(CATALOG_PATTERNS.COMMIT_RESERVATION);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    await expect(confirm(order.id)).resolves.toMatchObject({ status: 'CONFIRMED' });
    expect(kit.outbox.patterns()).toEqual(['ordering.order.confirmed']);
  });
});
