import { randomUUID } from 'node:crypto';
import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { paymentsTestKit } from '../../../testing/payments-test-kit';
import { RefundOrderCommand } from './refund-order.command';

describe('RefundOrderHandler', () => {
  let kit: ReturnType<typeof paymentsTestKit>;

  beforeEach(() => {
    kit = paymentsTestKit();
  });

  const refund = (orderId: string) => kit.refundOrder.execute(new RefundOrderCommand(orderId));

  it("gives back the order's succeeded payment and stores it REFUNDED", async () => {
    const payment = await kit.givenPayment({ status: 'SUCCEEDED', amount: 2500 });

    await expect(refund(payment.orderId)).resolves.toEqual({ orderId: payment.orderId, refundedPaymentId: payment.id });

    expect(kit.provider.refundCalls).toEqual([{ providerReference: `test_ch_${payment.id}`, amount: { amount: 2500, currency: 'USD' } }]);
    expect(kit.provider.moneyReturned).toBe(2500);
    expect(kit.payments.stored(payment.id)).toMatchObject({ status: 'REFUNDED', version: 2 });
  });

  it('puts payments.payment.refunded in the outbox', async () => {
    const payment = await kit.givenPayment({ status: 'SUCCEEDED', amount: 2500 });

    await refund(payment.orderId);

    expect(kit.payments.outbox).toEqual([
      { pattern: 'payments.payment.refunded', payload: { paymentId: payment.id, orderId: payment.orderId, amount: { amount: 2500, currency: 'USD' } } },
    ]);
  });

  it('refunds once however often it is asked', async () => {
    const payment = await kit.givenPayment({ status: 'SUCCEEDED' });

    await refund(payment.orderId);
    await expect(refund(payment.orderId)).resolves.toEqual({ orderId: payment.orderId, refundedPaymentId: null });

    expect(kit.provider.refundCalls).toHaveLength(1);
    expect(kit.payments.patterns()).toEqual(['payments.payment.refunded']);
  });

  it('gives the money back once when several refunds of one order run at once', async () => {
    const payment = await kit.givenPayment({ status: 'SUCCEEDED', amount: 3100 });

    const replies = await Promise.all([refund(payment.orderId), refund(payment.orderId), refund(payment.orderId)]);

    expect(replies.filter((reply) => reply.refundedPaymentId === payment.id)).toHaveLength(1);
    expect(kit.provider.moneyReturned).toBe(3100);
    expect(kit.payments.patterns()).toEqual(['payments.payment.refunded']);
    expect(kit.payments.stored(payment.id)?.status).toBe('REFUNDED');
  });

  it.each(['FAILED', 'PENDING', 'REFUNDED'] as const)('has nothing to refund for an order whose payment is %s', async (status) => {
    const payment = await kit.givenPayment({ status });

    await expect(refund(payment.orderId)).resolves.toEqual({ orderId: payment.orderId, refundedPaymentId: null });

    expect(kit.provider.refundCalls).toEqual([]);
    expect(kit.payments.stored(payment.id)?.status).toBe(status);
    expect(kit.payments.outbox).toEqual([]);
  });

  it('refunds the succeeded payment of an order whose earlier attempt was declined', async () => {
    const orderId = randomUUID();
    await kit.givenPayment({ orderId, status: 'FAILED' });
    const paid = await kit.givenPayment({ orderId, status: 'SUCCEEDED' });

    await expect(refund(orderId)).resolves.toEqual({ orderId, refundedPaymentId: paid.id });
  });

  it.each([randomUUID(), 'not-an-id', ''])('has nothing to refund for the order %j, and says so without an error', async (orderId) => {
    await expect(refund(orderId)).resolves.toEqual({ orderId, refundedPaymentId: null });
  });

  it('answers CONTEXT_UNAVAILABLE when the provider does not answer, keeping the payment SUCCEEDED, so that a retry refunds it', async () => {
    const payment = await kit.givenPayment({ status: 'SUCCEEDED' });
    kit.provider.failNextRefund();

    const failure = await refund(payment.orderId).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DomainError);
    expect(failure).toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE, message: expect.stringContaining('provider timeout') });
    expect(kit.payments.stored(payment.id)?.status).toBe('SUCCEEDED');

    await expect(refund(payment.orderId)).resolves.toEqual({ orderId: payment.orderId, refundedPaymentId: payment.id });
  });
});
