import { randomUUID } from 'node:crypto';
import { Money, ValidationError } from '@tessera/shared-kernel';
import { Payment, PaymentState } from './payment.aggregate';
import { IllegalPaymentTransitionError } from './payment.errors';
import { PaymentMethod } from './payment-method.value-object';

describe('Payment', () => {
  const orderId = '5f0c6a52-3c1e-4a55-9d43-0b1f2e3a4b5c';
  const userId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  const at = new Date('2030-01-02T03:04:05.000Z');
  const later = new Date('2030-01-02T03:04:09.000Z');

  const newPayment = (amount = 4200) =>
    Payment.create({ orderId, userId, amount: Money.of(amount, 'USD'), paymentMethod: PaymentMethod.of('pm_card_visa') }, at);

  /** A payment brought into `status` through its own verbs, with its events cleared. */
  function paymentIn(status: PaymentState): Payment {
    const payment = newPayment();
    if (status === 'SUCCEEDED' || status === 'REFUNDED') payment.succeed('test_ch_1', at);
    if (status === 'FAILED') payment.fail('card_declined', at);
    if (status === 'REFUNDED') payment.refund(at);
    payment.pullEvents();
    return payment;
  }

  describe('create', () => {
    it('starts PENDING at version 1, with the amount and method given and no outcome', () => {
      const payment = newPayment();

      expect(payment.toSnapshot()).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        orderId,
        userId,
        amount: Money.of(4200, 'USD'),
        paymentMethod: 'pm_card_visa',
        status: 'PENDING',
        failureReason: null,
        providerReference: null,
        createdAt: at,
        updatedAt: at,
        version: 1,
      });
      expect(payment.pullEvents()).toEqual([]);
    });

    it('gives every payment its own id', () => {
      expect(newPayment().id).not.toBe(newPayment().id);
    });

    it('refuses a negative amount', () => {
      expect(() => newPayment(-1)).toThrow(ValidationError);
    });

    it('takes a zero amount (a free order is paid by confirming it)', () => {
      expect(newPayment(0).amount.amount).toBe(0);
    });

    it.each([
      ['orderId', { orderId: 'not-a-uuid', userId }],
      ['userId', { orderId, userId: "1' OR '1'='1" }],
    ])('refuses a %s that is not a UUID', (field, ids) => {
      const create = () => Payment.create({ ...ids, amount: Money.of(1, 'USD'), paymentMethod: PaymentMethod.of('pm_card_visa') });
      expect(create).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', problems: [expect.objectContaining({ field })] }));
    });
  });

  describe('allowed transitions', () => {
    it('PENDING -> SUCCEEDED keeps the provider reference and records the success', () => {
      const payment = paymentIn('PENDING');

      payment.succeed('test_ch_42', later);

      expect(payment).toMatchObject({ status: 'SUCCEEDED', providerReference: 'test_ch_42', failureReason: null, updatedAt: later, createdAt: at });
      expect(payment.pullEvents()).toEqual([{ type: 'PaymentSucceeded', aggregateId: payment.id, orderId, amount: Money.of(4200, 'USD'), occurredAt: later }]);
    });

    it('PENDING -> FAILED keeps the reason and records the failure', () => {
      const payment = paymentIn('PENDING');

      payment.fail('insufficient_funds', later);

      expect(payment).toMatchObject({ status: 'FAILED', failureReason: 'insufficient_funds', providerReference: null, updatedAt: later });
      expect(payment.pullEvents()).toEqual([
        { type: 'PaymentFailed', aggregateId: payment.id, orderId, failureReason: 'insufficient_funds', occurredAt: later },
      ]);
    });

    it('SUCCEEDED -> REFUNDED records the refund of the whole amount', () => {
      const payment = paymentIn('SUCCEEDED');

      payment.refund(later);

      expect(payment).toMatchObject({ status: 'REFUNDED', providerReference: 'test_ch_1', updatedAt: later });
      expect(payment.pullEvents()).toEqual([{ type: 'PaymentRefunded', aggregateId: payment.id, orderId, amount: Money.of(4200, 'USD'), occurredAt: later }]);
    });

    it('settles with what the provider answered', () => {
      const succeeded = paymentIn('PENDING');
      const declined = paymentIn('PENDING');

      succeeded.settle({ outcome: 'succeeded', providerReference: 'test_ch_7' });
      declined.settle({ outcome: 'declined', reason: 'card_declined' });

      expect(succeeded).toMatchObject({ status: 'SUCCEEDED', providerReference: 'test_ch_7' });
      expect(declined).toMatchObject({ status: 'FAILED', failureReason: 'card_declined' });
    });
  });

  describe('refused transitions', () => {
    const verbs: Record<string, (payment: Payment) => void> = {
      succeed: (payment) => payment.succeed('test_ch_2'),
      fail: (payment) => payment.fail('card_declined'),
      refund: (payment) => payment.refund(),
    };
    const refused: [PaymentState, keyof typeof verbs][] = [
      ['SUCCEEDED', 'succeed'],
      ['SUCCEEDED', 'fail'],
      ['FAILED', 'succeed'],
      ['FAILED', 'fail'],
      ['FAILED', 'refund'],
      ['REFUNDED', 'succeed'],
      ['REFUNDED', 'fail'],
      ['REFUNDED', 'refund'],
      ['PENDING', 'refund'],
    ];

    it.each(refused)('a %s payment cannot %s, and stays as it was', (status, verb) => {
      const payment = paymentIn(status);
      const before = payment.toSnapshot();

      expect(() => verbs[verb](payment)).toThrow(IllegalPaymentTransitionError);

      expect(payment.toSnapshot()).toEqual(before);
      expect(payment.pullEvents()).toEqual([]);
    });

    it.each(['', '   ', 'x'.repeat(256)])('refuses the provider reference %j and the same failure reason', (text) => {
      const payment = paymentIn('PENDING');

      expect(() => payment.succeed(text)).toThrow(ValidationError);
      expect(() => payment.fail(text)).toThrow(ValidationError);

      expect(payment.status).toBe('PENDING');
    });
  });

  it('knows which payments have money to give back', () => {
    expect((['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED'] as const).filter((status) => paymentIn(status).isRefundable)).toEqual(['SUCCEEDED']);
  });

  it('is visible to its payer (whatever the id case) and to admins, not to other users', () => {
    const payment = paymentIn('SUCCEEDED');

    expect(payment.isVisibleTo({ userId, isAdmin: false })).toBe(true);
    expect(payment.isVisibleTo({ userId: userId.toUpperCase(), isAdmin: false })).toBe(true);
    expect(payment.isVisibleTo({ userId: randomUUID(), isAdmin: true })).toBe(true);
    expect(payment.isVisibleTo({ userId: randomUUID(), isAdmin: false })).toBe(false);
  });

  it('comes back from its snapshot as it was, without recording anything', () => {
    const payment = paymentIn('FAILED');

    const copy = Payment.reconstitute(payment.toSnapshot());

    expect(copy.toSnapshot()).toEqual(payment.toSnapshot());
    expect(copy.pullEvents()).toEqual([]);
  });

  it('tells UUIDs from anything else', () => {
    expect(Payment.isWellFormedId(orderId)).toBe(true);
    expect(Payment.isWellFormedId(orderId.toUpperCase())).toBe(true);
    expect(['', 'nope', `${orderId}x`, 42, null, undefined].some((value) => Payment.isWellFormedId(value))).toBe(false);
  });
});
