import { Inject, Injectable, Logger } from '@nestjs/common';
import { ORDERING_PATTERNS } from '@tessera/contracts';
import type { GetOrderRequest, OrderView, PaymentView } from '@tessera/contracts';
import { ContextClient, errorOutcome, IdempotencyStore, idempotencyKeyOf, InjectContextClient } from '@tessera/messaging';
import { faultPoint, HeldEvents, Money } from '@tessera/shared-kernel';
import { Payment } from '../../../domain/payment.aggregate';
import { OrderNotFoundError, OrderNotPayableError, PaymentDeclinedError, PaymentProviderUnavailableError } from '../../../domain/payment.errors';
import { PaymentMethod } from '../../../domain/payment-method.value-object';
import { PAYMENT_PROVIDER, type ChargeOutcome, type PaymentProvider } from '../../../domain/payment.provider';
import { PAYMENT_REPOSITORY, type PaymentKeyClaim, type PaymentRepository } from '../../../domain/payment.repository';
import { PaymentViewMapper } from '../../payment-view.mapper';
import { OrderConfirmations } from '../../order-confirmations';
import { asDomainError } from '../../remote-errors';
import { settlePayment } from '../../settle-payment';
import { PayOrderCommand } from './pay-order.command';

/** The operation name of pay-order's idempotency keys. */
export const PAY_ORDER_OPERATION = 'pay-order';

/**
 * payments.pay-order, each step durable before the next one acts (ADR 0005):
 * 1. read the order from ordering (ORDER_NOT_FOUND, ORDER_NOT_PAYABLE), which
 *    changes nothing;
 * 2. store the payment PENDING with the key claimed, in one transaction (its
 *    unique index makes a second charge of the order ORDER_NOT_PAYABLE);
 *    a known Idempotency-Key is answered from what it recorded, looked up
 *    only when step 1 or 2 fails, so that a new key costs no read;
 * 3. charge the provider outside any transaction, by the payment's id, which
 *    the provider charges at most once however often it is asked;
 * 4. store SUCCEEDED or FAILED with its outbox event and the key's answer,
 *    in one transaction;
 * 5. on success have ordering confirm the order before answering; when it
 *    cannot be asked in time, answer CONTEXT_UNAVAILABLE, since a 201 promises
 *    a CONFIRMED order (the charge's event confirms it later).
 * A decline answers PAYMENT_DECLINED with the FAILED payment's id; an order
 * that stopped being payable during the charge is refunded at once and
 * answers ORDER_NOT_PAYABLE, also when its key is replayed.
 */
@Injectable()
export class PayOrderHandler {
  private readonly logger = new Logger('Payments');

  constructor(
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @InjectContextClient('ordering') private readonly ordering: ContextClient,
    private readonly idempotency: IdempotencyStore,
    private readonly confirmations: OrderConfirmations,
  ) {}

  async execute(command: PayOrderCommand): Promise<PaymentView> {
    // Checked before the idempotency key is looked at, so that a corrected request may reuse the key.
    const paymentMethod = PaymentMethod.of(command.paymentMethod);
    const raw = idempotencyKeyOf(command.idempotencyKey);
    const key: PaymentKeyClaim | undefined =
      raw === undefined
        ? undefined
        : {
            scope: { userId: command.userId, key: raw, operation: PAY_ORDER_OPERATION },
            request: { orderId: command.orderId, paymentMethod: paymentMethod.value },
          };
    try {
      return await this.pay(command.orderId, command.userId, paymentMethod, key);
    } catch (error) {
      throw asDomainError(error);
    }
  }

  private async pay(orderId: string, userId: string, paymentMethod: PaymentMethod, key?: PaymentKeyClaim): Promise<PaymentView> {
    let order: OrderView;
    let payment: Payment;
    try {
      order = await this.payableOrder(orderId, userId);
      payment = Payment.create({ orderId: order.id, userId: order.userId, amount: Money.of(order.total.amount, order.total.currency, 'total'), paymentMethod });
      if (!(await this.payments.add(payment, key))) throw new Error(`Idempotency key of user ${userId} was taken but has no record`);
    } catch (error) {
      // A key used before (its order since paid, or its payment still pending) answers what it recorded, or refuses.
      if (key) return this.replayOr(key, error);
      throw error;
    }
    // Killed here: the payment is PENDING with its key and the provider was not asked; the pending-payments sweeper
    // charges it by its id and settles it, and the key answers what it settled as.
    faultPoint('pay-order:after-pending');

    const charged = await this.charge(payment, paymentMethod);
    // Killed here: the provider charged (or declined) and nothing is stored; the sweeper asks again by the payment's id,
    // which the provider answers the same way without charging twice.
    faultPoint('pay-order:after-charge');

    // Its event is held until ordering has been asked to confirm, which it nearly always does at once: published at
    // the commit, it would race that confirmation through the event's handler, and one of the two would lose.
    const held = new HeldEvents();
    const settled = await settlePayment(this.payments, payment, charged, held);
    // Killed here: SUCCEEDED, payments.payment.succeeded and the key's answer are committed together; the event, held
    // but in the outbox, is published by a relay once this process's lease on its row runs out (ADR 0007, ADR 0008)
    // and has ordering confirm the order (or have it refunded, if the order was cancelled meanwhile).
    faultPoint('pay-order:after-settle');
    try {
      if (settled.status === 'FAILED') throw new PaymentDeclinedError(settled.id, settled.failureReason ?? 'declined');
      if (settled.status !== 'SUCCEEDED') {
        // Only a cancellation's refund can have settled it further, after another settler (the sweeper, while the
        // provider kept this request waiting) stored SUCCEEDED as the key's answer: the key must replay this refusal.
        const refused = new OrderNotPayableError(order.id, 'it was cancelled during the payment, and the charge refunded');
        await this.idempotency.record(settled.id, errorOutcome(refused));
        throw refused;
      }
      await this.confirmations.confirm(settled);
      return PaymentViewMapper.toView(settled);
    } finally {
      held.release();
    }
  }

  /**
   * The answer the key recorded (or its refusal, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE); `failure` when it
   * recorded none. A recorded success is only the charge's: the sweeper records one for a request that died, and
   * the order may have expired before ordering heard of it. A 201 promises a CONFIRMED order, so ordering is asked
   * to confirm again, and an order that refuses gets the refusal and the refund, as the first request would have.
   * For the payment that confirmed the order ordering answers at once, even once the order is cancelled: the first
   * answer stands, as a key's answer does.
   */
  private async replayOr(key: PaymentKeyClaim, failure: unknown): Promise<PaymentView> {
    const replayed = await this.idempotency.replay<PaymentView>(key.scope, key.request);
    if (!replayed) throw failure;
    if (replayed.value.status === 'SUCCEEDED') await this.confirmations.confirm(replayed.value);
    return replayed.value;
  }

  private async payableOrder(orderId: string, userId: string): Promise<OrderView> {
    if (!Payment.isWellFormedId(orderId)) throw new OrderNotFoundError();
    const order = await this.ordering.send<OrderView, GetOrderRequest>(ORDERING_PATTERNS.GET_ORDER, { orderId, requester: { userId, isAdmin: false } });
    if (order.status !== 'AWAITING_PAYMENT') throw new OrderNotPayableError(order.id, `it is ${order.status}`);
    return order;
  }

  private async charge(payment: Payment, paymentMethod: PaymentMethod): Promise<ChargeOutcome> {
    try {
      return await this.provider.charge({ paymentId: payment.id, amount: payment.amount, paymentMethod });
    } catch (error) {
      // The charge may or may not have gone through: the payment stays PENDING and the sweeper asks again later.
      this.logger.warn(`The provider did not answer the charge of payment ${payment.id}: ${(error as Error)?.message ?? error}`);
      throw new PaymentProviderUnavailableError();
    }
  }
}
