import { ResolvePendingPaymentsCommand } from '../resolve-pending-payments/resolve-pending-payments.command';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { RemoteError } from '@tessera/messaging';
import { DomainError } from '@tessera/shared-kernel';
import { ORDERING_PATTERNS } from '@tessera/contracts';
import { PaymentIntegrationEventMapper } from '../../payment-integration-event.mapper';
import { settlePayment } from '../../settle-payment';
import { paymentsTestKit } from '../../../testing/payments-test-kit';
import { PayOrderCommand } from './pay-order.command';

describe('PayOrderHandler', () => {
  let kit: ReturnType<typeof paymentsTestKit>;
  const userId = '0b9e2c4d-6f81-4a3b-9c5d-7e8f9a0b1c2d';

  beforeEach(() => {
    kit = paymentsTestKit();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  const pay = (orderId: string, paymentMethod = 'pm_card_visa', idempotencyKey?: string, payer = userId) =>
    kit.payOrder.execute(new PayOrderCommand(orderId, payer, paymentMethod, idempotencyKey));

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the payment to fail');
      },
      (error: unknown) => error,
    );

  describe('a payment that succeeds', () => {
    it("charges the order's own total once and answers the SUCCEEDED payment", async () => {
      const order = kit.ordering.givenOrder({ userId, total: 12_345 });

      const view = await pay(order.id, 'pm_card_mastercard');

      expect(view).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        orderId: order.id,
        amount: { amount: 12_345, currency: 'USD' },
        status: 'SUCCEEDED',
        paymentMethod: 'pm_card_mastercard',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(kit.provider.chargeCalls).toEqual([{ paymentId: view.id, amount: { amount: 12_345, currency: 'USD' }, paymentMethod: 'pm_card_mastercard' }]);
      expect(kit.payments.stored(view.id)).toMatchObject({ status: 'SUCCEEDED', userId, providerReference: `test_ch_${view.id}`, version: 2 });
    });

    it('has ordering confirm the order before answering, so that the order reads CONFIRMED', async () => {
      const order = kit.ordering.givenOrder({ userId });

      const view = await pay(order.id);

      expect(kit.ordering.order(order.id)).toMatchObject({ status: 'CONFIRMED', paymentId: view.id });
      expect(kit.ordering.requests).toEqual([
        { pattern: 'ordering.get-order', request: { orderId: order.id, requester: { userId, isAdmin: false } } },
        { pattern: 'ordering.confirm-payment', request: { orderId: order.id, paymentId: view.id } },
      ]);
    });

    it('puts payments.payment.succeeded in the outbox with the payment, the order and the amount', async () => {
      const order = kit.ordering.givenOrder({ userId, total: 999 });

      const view = await pay(order.id);

      expect(kit.payments.outbox).toEqual([
        { pattern: 'payments.payment.succeeded', payload: { paymentId: view.id, orderId: order.id, amount: { amount: 999, currency: 'USD' } } },
      ]);
    });

    it('publishes payments.payment.succeeded only once ordering was asked to confirm, so that its handler finds the order confirmed', async () => {
      const order = kit.ordering.givenOrder({ userId });
      let publishedWhenAsked: number | undefined;
      kit.ordering.beforeNextConfirm(async () => (publishedWhenAsked = kit.payments.published));

      await pay(order.id);

      expect(publishedWhenAsked).toBe(0);
      expect(kit.payments.published).toBe(1);
    });

    it('answers CONTEXT_UNAVAILABLE with the payment when ordering cannot confirm right now, since a 201 promises a CONFIRMED order; the charge stands and its event confirms later', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.ordering.failNextConfirm(new RemoteError('CONTEXT_UNAVAILABLE', 'ordering did not answer'));

      const error = await failure(pay(order.id));

      expect(error).toMatchObject({ code: 'CONTEXT_UNAVAILABLE', details: { paymentId: expect.any(String) } });
      const paymentId = (error as { details: { paymentId: string } }).details.paymentId;
      expect(kit.payments.stored(paymentId)?.status).toBe('SUCCEEDED');
      expect(kit.payments.patterns()).toEqual(['payments.payment.succeeded']);
      expect(kit.provider.moneyReturned).toBe(0);
      expect(kit.ordering.order(order.id)?.status).toBe('AWAITING_PAYMENT');
    });

    it('answers 201 to a retry with the same key once ordering confirms, without charging again', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.ordering.failNextConfirm(new RemoteError('CONTEXT_UNAVAILABLE', 'ordering did not answer'));
      const error = await failure(pay(order.id, 'pm_card_visa', 'key-unconfirmed'));
      expect(error).toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });

      const view = await pay(order.id, 'pm_card_visa', 'key-unconfirmed');

      expect(view).toMatchObject({ id: (error as { details: { paymentId: string } }).details.paymentId, status: 'SUCCEEDED' });
      expect(kit.ordering.order(order.id)).toMatchObject({ status: 'CONFIRMED', paymentId: view.id });
      expect(kit.provider.chargeCalls).toHaveLength(1);
    });
  });

  describe('refusals before any charge', () => {
    it.each(['pm_card_amex', '', 'PM_CARD_VISA'])('answers VALIDATION_FAILED for the method %j without asking ordering', async (method) => {
      const order = kit.ordering.givenOrder({ userId });

      await expect(pay(order.id, method)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { errors: [expect.objectContaining({ field: 'paymentMethod' })] },
      });

      expect(kit.ordering.requests).toEqual([]);
      expect(kit.provider.chargeCalls).toEqual([]);
    });

    it("passes ORDER_NOT_FOUND on for an unknown order and for another user's order", async () => {
      const someoneElses = kit.ordering.givenOrder({ userId: randomUUID() });

      await expect(pay(randomUUID())).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
      await expect(pay(someoneElses.id)).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });

      expect(kit.provider.chargeCalls).toEqual([]);
      expect(kit.payments.ofOrder(someoneElses.id)).toEqual([]);
    });

    it('answers ORDER_NOT_FOUND for a malformed order id without asking ordering', async () => {
      await expect(pay("x' OR 1=1 --")).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
      expect(kit.ordering.requests).toEqual([]);
    });

    it.each(['CONFIRMED', 'CANCELLED'] as const)('answers ORDER_NOT_PAYABLE for a %s order and charges nothing', async (status) => {
      const order = kit.ordering.givenOrder({ userId, status });

      await expect(pay(order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

      expect(kit.provider.chargeCalls).toEqual([]);
      expect(kit.payments.ofOrder(order.id)).toEqual([]);
    });

    it('passes on that ordering cannot be reached, as its code', async () => {
      const order = kit.ordering.givenOrder({ userId });
      jest.spyOn(kit.ordering, 'send').mockRejectedValueOnce(new RemoteError('CONTEXT_UNAVAILABLE', 'ordering is unavailable'));

      await expect(pay(order.id)).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE', message: 'ordering is unavailable' });
      expect(kit.provider.chargeCalls).toEqual([]);
    });
  });

  describe('a declined payment', () => {
    it('answers PAYMENT_DECLINED with the id of the FAILED payment it keeps', async () => {
      const order = kit.ordering.givenOrder({ userId });

      const error = (await failure(pay(order.id, 'pm_card_insufficientFunds'))) as { code: string; details: { paymentId: string } };

      expect(error).toMatchObject({ code: 'PAYMENT_DECLINED', details: { paymentId: expect.any(String) } });
      expect(kit.payments.stored(error.details.paymentId)).toMatchObject({ orderId: order.id, status: 'FAILED', failureReason: 'insufficient_funds' });
      expect(kit.payments.outbox).toEqual([
        { pattern: 'payments.payment.failed', payload: { paymentId: error.details.paymentId, orderId: order.id, failureReason: 'insufficient_funds' } },
      ]);
    });

    it('leaves the order awaiting payment, and a later payment of it succeeds', async () => {
      const order = kit.ordering.givenOrder({ userId });

      await expect(pay(order.id, 'pm_card_chargeDeclined')).rejects.toMatchObject({ code: 'PAYMENT_DECLINED' });
      expect(kit.ordering.order(order.id)?.status).toBe('AWAITING_PAYMENT');
      expect(kit.ordering.patterns()).not.toContain('ordering.confirm-payment');

      const view = await pay(order.id, 'pm_card_visa');

      expect(view.status).toBe('SUCCEEDED');
      expect(kit.ordering.order(order.id)?.status).toBe('CONFIRMED');
      expect(kit.payments.ofOrder(order.id).map((payment) => payment.status)).toEqual(['FAILED', 'SUCCEEDED']);
      expect(kit.provider.chargesTaken).toBe(1);
    });
  });

  describe('at most one charge per order', () => {
    it('charges once when two payments of one order run at once; the other is ORDER_NOT_PAYABLE', async () => {
      const order = kit.ordering.givenOrder({ userId, total: 5000 });

      const outcomes = await Promise.allSettled([pay(order.id), pay(order.id, 'pm_card_mastercard'), pay(order.id)]);

      const answers = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.status : (outcome.reason as { code: string }).code));
      expect(answers.sort()).toEqual(['ORDER_NOT_PAYABLE', 'ORDER_NOT_PAYABLE', 'SUCCEEDED']);
      expect(kit.provider.chargeCalls).toHaveLength(1);
      expect(kit.provider.moneyTaken).toBe(5000);
      expect(kit.payments.ofOrder(order.id)).toHaveLength(1);
    });

    it('refuses a second charge even while ordering still shows the order awaiting payment', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.ordering.failNextConfirm(new RemoteError('CONTEXT_UNAVAILABLE', 'ordering did not answer'));
      await expect(pay(order.id)).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });

      await expect(pay(order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

      expect(kit.provider.chargesTaken).toBe(1);
    });

    it('refuses another charge while one is still pending at the provider', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.provider.failNextCharge();
      await expect(pay(order.id)).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });

      await expect(pay(order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

      expect(kit.payments.ofOrder(order.id).map((payment) => payment.status)).toEqual(['PENDING']);
    });
  });

  describe('an order that stops being payable during the charge', () => {
    it('is refunded at once and answers ORDER_NOT_PAYABLE', async () => {
      const order = kit.ordering.givenOrder({ userId, total: 777 });
      kit.provider.duringNextCharge(async () => kit.ordering.cancel(order.id, 'PAYMENT_EXPIRED'));

      await expect(pay(order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

      const [payment] = kit.payments.ofOrder(order.id);
      expect(payment).toMatchObject({ status: 'REFUNDED' });
      expect({ taken: kit.provider.moneyTaken, returned: kit.provider.moneyReturned }).toEqual({ taken: 777, returned: 777 });
      expect(kit.payments.outbox).toEqual([
        { pattern: 'payments.payment.succeeded', payload: { paymentId: payment.id, orderId: order.id, amount: { amount: 777, currency: 'USD' } } },
        { pattern: 'payments.payment.refunded', payload: { paymentId: payment.id, orderId: order.id, amount: { amount: 777, currency: 'USD' } } },
      ]);
    });

    it('refunds once when the cancellation refunded it first', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.ordering.beforeNextConfirm(async () => {
        kit.ordering.cancel(order.id);
        await kit.refundOrder.execute({ orderId: order.id });
      });

      await expect(pay(order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

      expect(kit.provider.refundCalls).toHaveLength(1);
      expect(kit.payments.patterns()).toEqual(['payments.payment.succeeded', 'payments.payment.refunded']);
    });

    it('still answers ORDER_NOT_PAYABLE when the refund fails, leaving the charge to the refund ordering asks for', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.provider.duringNextCharge(async () => kit.ordering.cancel(order.id));
      kit.provider.failNextRefund();

      await expect(pay(order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

      expect(kit.payments.ofOrder(order.id).map((payment) => payment.status)).toEqual(['SUCCEEDED']);
      expect(kit.payments.patterns()).toEqual(['payments.payment.succeeded']);
      expect(Logger.prototype.error).toHaveBeenCalledWith(expect.stringContaining('Refund of payment'), expect.anything());
    });
  });

  describe('a provider that does not answer', () => {
    it('answers CONTEXT_UNAVAILABLE and keeps the payment PENDING, without confirming the order', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.provider.failNextCharge(new Error('socket hang up'));

      const error = await failure(pay(order.id));

      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'CONTEXT_UNAVAILABLE', message: expect.not.stringContaining('socket') });

      expect(kit.payments.ofOrder(order.id).map((payment) => payment.status)).toEqual(['PENDING']);
      expect(kit.payments.outbox).toEqual([]);
      expect(kit.ordering.order(order.id)?.status).toBe('AWAITING_PAYMENT');
    });

    it('takes the outcome another settler stored first (the sweeper, after a slow charge)', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.payments.interleaveBeforeNextSave(async () => {
        const payment = (await kit.payments.findById(kit.payments.ofOrder(order.id)[0].id))!;
        payment.settle({ outcome: 'succeeded', providerReference: `test_ch_${payment.id}` });
        await kit.payments.save(payment, PaymentIntegrationEventMapper.toOutgoing(payment.pullEvents()));
      });

      const view = await pay(order.id);

      expect(view.status).toBe('SUCCEEDED');
      expect(kit.payments.patterns()).toEqual(['payments.payment.succeeded']);
      expect(kit.ordering.order(order.id)?.status).toBe('CONFIRMED');
    });
  });

  describe('with an idempotency key', () => {
    it('does the work once and answers the same payment again', async () => {
      const order = kit.ordering.givenOrder({ userId });

      const first = await pay(order.id, 'pm_card_visa', 'key-1');
      const again = await pay(order.id, 'pm_card_visa', 'key-1');

      expect(again).toEqual(first);
      expect(kit.provider.chargeCalls).toHaveLength(1);
      expect(kit.ordering.order(order.id)).toMatchObject({ status: 'CONFIRMED', paymentId: first.id });
    });

    it("keys the work by the user, the key and 'pay-order', and answers it with the payment it stored", async () => {
      const order = kit.ordering.givenOrder({ userId });

      const paid = await pay(order.id, 'pm_card_visa', 'key-2');

      expect(kit.idempotency.kept({ userId, key: 'key-2', operation: 'pay-order' })).toEqual({ outcome: { result: paid } });
    });

    it('answers a replayed decline with the same paymentId', async () => {
      const order = kit.ordering.givenOrder({ userId });

      const first = await failure(pay(order.id, 'pm_card_chargeDeclined', 'key-3'));
      const again = await failure(pay(order.id, 'pm_card_chargeDeclined', 'key-3'));

      expect(again).toMatchObject({ code: 'PAYMENT_DECLINED', details: (first as { details: object }).details });
      expect(kit.provider.chargeCalls).toHaveLength(1);
    });

    it('answers IDEMPOTENCY_KEY_REUSED for the same key with another method', async () => {
      const order = kit.ordering.givenOrder({ userId });
      await failure(pay(order.id, 'pm_card_chargeDeclined', 'key-4'));

      await expect(pay(order.id, 'pm_card_visa', 'key-4')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(kit.ordering.order(order.id)?.status).toBe('AWAITING_PAYMENT');
    });

    it('keeps no key for a request refused before any payment was made: the same key asks ordering again', async () => {
      const orderId = randomUUID();
      await expect(pay(orderId, 'pm_card_visa', 'key-5')).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });

      await expect(pay(orderId, 'pm_card_visa', 'key-5')).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });

      expect(kit.ordering.patterns()).toEqual(['ordering.get-order', 'ordering.get-order']);
      expect(kit.idempotency.kept({ userId, key: 'key-5', operation: 'pay-order' })).toBeUndefined();
    });

    it('does not keep an unavailable ordering as the outcome: a retry with the same key pays', async () => {
      const order = kit.ordering.givenOrder({ userId });
      jest.spyOn(kit.ordering, 'send').mockRejectedValueOnce(new RemoteError('CONTEXT_UNAVAILABLE', 'ordering did not answer'));
      await expect(pay(order.id, 'pm_card_visa', 'key-6')).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });

      await expect(pay(order.id, 'pm_card_visa', 'key-6')).resolves.toMatchObject({ status: 'SUCCEEDED' });
    });

    it('answers IDEMPOTENCY_KEY_IN_USE while the provider left the charge unknown, then what the sweeper settled', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.provider.failNextCharge();
      await expect(pay(order.id, 'pm_card_visa', 'key-7')).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });

      await expect(pay(order.id, 'pm_card_visa', 'key-7')).rejects.toMatchObject({
        code: 'IDEMPOTENCY_KEY_IN_USE',
        details: { retryAfterSeconds: expect.any(Number) },
      });
      await kit.resolvePendingPayments.execute(new ResolvePendingPaymentsCommand(0, 10, new Date(Date.now() + 1000)));

      const replayed = await pay(order.id, 'pm_card_visa', 'key-7');
      expect(replayed).toMatchObject({ status: 'SUCCEEDED', orderId: order.id });
      expect(new Set(kit.provider.chargeCalls.map((call) => call.paymentId)).size).toBe(1);
      // The sweeper only settles the charge; the success the key answers has the order confirmed first.
      expect(kit.ordering.order(order.id)).toMatchObject({ status: 'CONFIRMED', paymentId: replayed.id });
    });

    it('answers ORDER_NOT_PAYABLE, not the success, for a charge the sweeper settled after the order expired and refunded', async () => {
      const order = kit.ordering.givenOrder({ userId, total: 910 });
      kit.provider.failNextCharge();
      await expect(pay(order.id, 'pm_card_visa', 'key-9')).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });
      kit.ordering.cancel(order.id, 'PAYMENT_EXPIRED');
      await kit.resolvePendingPayments.execute(new ResolvePendingPaymentsCommand(0, 10, new Date(Date.now() + 1000)));
      expect(kit.payments.ofOrder(order.id).map((payment) => payment.status)).toEqual(['REFUNDED']);

      await expect(pay(order.id, 'pm_card_visa', 'key-9')).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
      await expect(pay(order.id, 'pm_card_visa', 'key-9')).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

      expect(kit.payments.ofOrder(order.id).map((payment) => payment.status)).toEqual(['REFUNDED']);
      expect({ taken: kit.provider.moneyTaken, returned: kit.provider.moneyReturned }).toEqual({ taken: 910, returned: 910 });
    });

    it('answers its first success again for a paid order cancelled since, refunding nothing more', async () => {
      const order = kit.ordering.givenOrder({ userId });
      const first = await pay(order.id, 'pm_card_visa', 'key-10');
      kit.ordering.cancel(order.id);
      await kit.refundOrder.execute({ orderId: order.id });

      await expect(pay(order.id, 'pm_card_visa', 'key-10')).resolves.toEqual(first);
      expect(kit.provider.refundCalls).toHaveLength(1);
      expect(kit.payments.ofOrder(order.id).map((payment) => payment.status)).toEqual(['REFUNDED']);
    });

    it('answers ORDER_NOT_PAYABLE again for a charge ordering refused and payments refunded', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.ordering.failNextConfirm(new RemoteError('ORDER_NOT_PAYABLE', 'the order was cancelled'));
      await expect(pay(order.id, 'pm_card_visa', 'key-8')).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });

      await expect(pay(order.id, 'pm_card_visa', 'key-8')).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
    });

    it('answers ORDER_NOT_PAYABLE again for a charge the sweeper settled, ordering confirmed and a cancellation refunded while it was asked', async () => {
      const order = kit.ordering.givenOrder({ userId });
      kit.payments.interleaveBeforeNextSave(async () => {
        // The provider answered this request late: the sweeper settled the payment (and its key) first, its event had
        // ordering confirm the order, and the customer cancelled it since, which refunded the charge.
        const payment = (await kit.payments.findById(kit.payments.ofOrder(order.id)[0].id))!;
        await settlePayment(kit.payments, payment, { outcome: 'succeeded', providerReference: `test_ch_${payment.id}` });
        await kit.ordering.send(ORDERING_PATTERNS.CONFIRM_PAYMENT, { orderId: order.id, paymentId: payment.id });
        kit.ordering.cancel(order.id);
        await kit.refundOrder.execute({ orderId: order.id });
      });

      await expect(pay(order.id, 'pm_card_visa', 'key-11')).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
      await expect(pay(order.id, 'pm_card_visa', 'key-11')).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
      expect(kit.provider.refundCalls).toHaveLength(1);
    });

    it.each(['', 'k'.repeat(256)])('answers VALIDATION_FAILED for the key %j', async (key) => {
      const order = kit.ordering.givenOrder({ userId });
      await expect(pay(order.id, 'pm_card_visa', key)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(kit.provider.chargeCalls).toHaveLength(0);
    });
  });
});
