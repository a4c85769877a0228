import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ERROR_CODES } from '@tessera/contracts';
import { RemoteError } from '@tessera/messaging';
import { paymentsTestKit } from '../../../testing/payments-test-kit';
import { ResolvePendingPaymentsCommand } from './resolve-pending-payments.command';

describe('ResolvePendingPaymentsHandler', () => {
  let kit: ReturnType<typeof paymentsTestKit>;
  const now = new Date('2030-06-01T12:00:00.000Z');
  const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  const sweep = () => kit.resolvePendingPayments.execute(new ResolvePendingPaymentsCommand(60_000, 20, now));

  beforeEach(() => {
    kit = paymentsTestKit();
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('settles a payment left pending over a minute as the provider answers it, with its event', async () => {
    const paid = await kit.givenPayment({ status: 'PENDING', method: 'pm_card_visa', at: minutesAgo(2), amount: 1500 });
    const declined = await kit.givenPayment({ status: 'PENDING', method: 'pm_card_insufficientFunds', at: minutesAgo(3) });

    await expect(sweep()).resolves.toEqual({ settled: 2, stillPending: 0 });

    expect(kit.payments.stored(paid.id)).toMatchObject({ status: 'SUCCEEDED', providerReference: `test_ch_${paid.id}` });
    expect(kit.payments.stored(declined.id)).toMatchObject({ status: 'FAILED', failureReason: 'insufficient_funds' });
    expect(kit.payments.outbox).toEqual([
      { pattern: 'payments.payment.failed', payload: { paymentId: declined.id, orderId: declined.orderId, failureReason: 'insufficient_funds' } },
      { pattern: 'payments.payment.succeeded', payload: { paymentId: paid.id, orderId: paid.orderId, amount: { amount: 1500, currency: 'USD' } } },
    ]);
  });

  it('finishes a success as its request would have: ordering confirms the order, then the event is published', async () => {
    const order = kit.ordering.givenOrder();
    const payment = await kit.givenPayment({ status: 'PENDING', orderId: order.id, userId: order.userId, at: minutesAgo(2) });

    await sweep();

    expect(kit.ordering.order(order.id)).toMatchObject({ status: 'CONFIRMED', paymentId: payment.id });
    expect(kit.payments.patterns()).toEqual(['payments.payment.succeeded']);
  });

  it('refunds the charge of an order cancelled meanwhile itself, without waiting for ordering to ask', async () => {
    const order = kit.ordering.givenOrder({ total: 700 });
    const payment = await kit.givenPayment({ status: 'PENDING', orderId: order.id, userId: order.userId, amount: 700, at: minutesAgo(2) });
    kit.ordering.cancel(order.id);

    await expect(sweep()).resolves.toEqual({ settled: 1, stillPending: 0 });

    expect(kit.payments.stored(payment.id)).toMatchObject({ status: 'REFUNDED' });
    expect({ taken: kit.provider.moneyTaken, returned: kit.provider.moneyReturned }).toEqual({ taken: 700, returned: 700 });
    expect(kit.payments.patterns()).toEqual(['payments.payment.succeeded', 'payments.payment.refunded']);
  });

  it('leaves the confirmation to the event when ordering cannot be asked', async () => {
    const order = kit.ordering.givenOrder();
    const payment = await kit.givenPayment({ status: 'PENDING', orderId: order.id, userId: order.userId, at: minutesAgo(2) });
    kit.ordering.failNextConfirm(new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'ordering did not answer in time'));

    await expect(sweep()).resolves.toEqual({ settled: 1, stillPending: 0 });

    expect(kit.payments.stored(payment.id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(kit.payments.patterns()).toEqual(['payments.payment.succeeded']);
    expect(kit.ordering.order(order.id)?.status).toBe('AWAITING_PAYMENT');
  });

  it('asks the provider again for the same payment id, so that a charge that went through is not taken twice', async () => {
    const payment = await kit.givenPayment({ status: 'PENDING', at: minutesAgo(5) });

    await sweep();

    expect(kit.provider.chargeCalls).toEqual([expect.objectContaining({ paymentId: payment.id })]);
  });

  it('leaves alone a payment pending for less than a minute, and settled ones', async () => {
    const recent = await kit.givenPayment({ status: 'PENDING', at: new Date(now.getTime() - 30_000) });
    await kit.givenPayment({ status: 'SUCCEEDED', at: minutesAgo(10) });
    await kit.givenPayment({ status: 'FAILED', at: minutesAgo(10) });

    await expect(sweep()).resolves.toEqual({ settled: 0, stillPending: 0 });

    expect(kit.payments.stored(recent.id)?.status).toBe('PENDING');
    expect(kit.provider.chargeCalls).toEqual([]);
  });

  const sweepAt = (at: Date, limit = 20) => kit.resolvePendingPayments.execute(new ResolvePendingPaymentsCommand(60_000, limit, at));
  const minutesLater = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

  it('keeps a payment pending when the provider still does not answer, and settles it on a later run', async () => {
    const payment = await kit.givenPayment({ status: 'PENDING', at: minutesAgo(2) });
    kit.provider.failNextCharge();

    await expect(sweep()).resolves.toEqual({ settled: 0, stillPending: 1 });
    expect(kit.payments.stored(payment.id)?.status).toBe('PENDING');

    await expect(sweepAt(minutesLater(1))).resolves.toEqual({ settled: 1, stillPending: 0 });
    expect(kit.payments.stored(payment.id)?.status).toBe('SUCCEEDED');
  });

  it('passes over a payment the provider failed for longer after each failure, so that the payments behind it are reached', async () => {
    const failing = await kit.givenPayment({ status: 'PENDING', at: minutesAgo(9) });
    const behind = await kit.givenPayment({ status: 'PENDING', at: minutesAgo(2) });

    kit.provider.failNextCharge();
    await expect(sweepAt(now, 1)).resolves.toEqual({ settled: 0, stillPending: 1 });
    await expect(sweepAt(minutesLater(0.5), 1)).resolves.toEqual({ settled: 1, stillPending: 0 });
    expect(kit.payments.stored(behind.id)?.status).toBe('SUCCEEDED');
    // Asked again a stale time (a minute here) after its failure.
    kit.provider.failNextCharge();
    await expect(sweepAt(minutesLater(1), 1)).resolves.toEqual({ settled: 0, stillPending: 1 });

    // Failed twice: passed over for two minutes now, not one.
    await expect(sweepAt(minutesLater(2.5), 1)).resolves.toEqual({ settled: 0, stillPending: 0 });
    await expect(sweepAt(minutesLater(3), 1)).resolves.toEqual({ settled: 1, stillPending: 0 });
    expect(kit.payments.stored(failing.id)?.status).toBe('SUCCEEDED');
    expect(kit.provider.chargeCalls.map((call) => call.paymentId)).toEqual([failing.id, behind.id, failing.id, failing.id]);
  });

  it('settles each payment once when two sweepers run at once', async () => {
    const orderId = randomUUID();
    await kit.givenPayment({ orderId, status: 'PENDING', at: minutesAgo(2) });

    await Promise.all([sweep(), sweep()]);

    expect(kit.payments.patterns()).toEqual(['payments.payment.succeeded']);
    expect(kit.provider.chargesTaken).toBe(1);
  });

  it('takes at most the batch size per run, oldest first', async () => {
    const oldest = await kit.givenPayment({ status: 'PENDING', at: minutesAgo(9) });
    await kit.givenPayment({ status: 'PENDING', at: minutesAgo(2) });

    await expect(kit.resolvePendingPayments.execute(new ResolvePendingPaymentsCommand(60_000, 1, now))).resolves.toEqual({ settled: 1, stillPending: 0 });

    expect(kit.payments.stored(oldest.id)?.status).toBe('SUCCEEDED');
  });
});
