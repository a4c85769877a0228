import { randomUUID } from 'node:crypto';
import type { OrderCancelledEvent } from '@tessera/contracts';
import { paymentsTestKit } from '../../../testing/payments-test-kit';

describe('OnOrderCancelledHandler', () => {
  let kit: ReturnType<typeof paymentsTestKit>;

  beforeEach(() => {
    kit = paymentsTestKit();
  });

  const cancelled = (orderId: string): OrderCancelledEvent => ({
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    version: 1,
    orderId,
    reason: 'CANCELLED_BY_ADMIN',
  });

  it("refunds the cancelled order's payment", async () => {
    const payment = await kit.givenPayment({ status: 'SUCCEEDED', amount: 800 });
    const event = cancelled(payment.orderId);

    await kit.onOrderCancelled.execute(event);

    expect(kit.payments.stored(payment.id)?.status).toBe('REFUNDED');
    expect(kit.provider.moneyReturned).toBe(800);
  });

  it('refunds once when the event arrives twice, and after the synchronous refund', async () => {
    const payment = await kit.givenPayment({ status: 'SUCCEEDED' });
    const event = cancelled(payment.orderId);
    await kit.refundOrder.execute({ orderId: payment.orderId });

    await kit.onOrderCancelled.execute(event);
    await kit.onOrderCancelled.execute(event);

    expect(kit.provider.refundCalls).toHaveLength(1);
    expect(kit.payments.patterns()).toEqual(['payments.payment.refunded']);
  });

  it('is done for an order that was never paid', async () => {
    const event = cancelled(randomUUID());

    await kit.onOrderCancelled.execute(event);

    expect(kit.provider.refundCalls).toEqual([]);
  });

  it('fails the delivery when the refund fails, so that its redelivery refunds', async () => {
    const payment = await kit.givenPayment({ status: 'SUCCEEDED' });
    const event = cancelled(payment.orderId);
    kit.provider.failNextRefund();

    await expect(kit.onOrderCancelled.execute(event)).rejects.toThrow('provider timeout');
    expect(kit.payments.stored(payment.id)?.status).toBe('SUCCEEDED');

    await kit.onOrderCancelled.execute(event);
    expect(kit.payments.stored(payment.id)?.status).toBe('REFUNDED');
  });
});
