import { Inject, Injectable, Logger } from '@nestjs/common';
import { HeldEvents } from '@tessera/shared-kernel';
import type { Payment } from '../../../domain/payment.aggregate';
import { PaymentMethod } from '../../../domain/payment-method.value-object';
import { PAYMENT_PROVIDER, type PaymentProvider } from '../../../domain/payment.provider';
import { PAYMENT_REPOSITORY, type PaymentRepository } from '../../../domain/payment.repository';
import { OrderConfirmations } from '../../order-confirmations';
import { settlePayment } from '../../settle-payment';
import { ResolvePendingPaymentsCommand } from './resolve-pending-payments.command';

/** How many stale pending payments one run settled, and how many are still waiting for the provider. */
export interface ResolvePendingPaymentsResult {
  settled: number;
  stillPending: number;
}

/**
 * Recovers payments whose request died between storing PENDING and storing the
 * outcome, and finishes them as the request would have. It asks the provider
 * again for the same payment id, which (by the PaymentProvider contract)
 * charges at most once and answers the first outcome, stores SUCCEEDED or
 * FAILED with its outbox event, and has ordering confirm the order of a
 * success; an order cancelled or expired meanwhile has its charge refunded
 * here (OrderConfirmations), so that the refund does not wait on a call from
 * ordering back to payments. When ordering cannot be asked, the event carries
 * the recovery on: ordering confirms the order on payments.payment.succeeded,
 * or asks payments.refund-order. Safe with several instances: a payment
 * settled by another one is left as it is.
 */
/** The longest a payment the provider keeps failing is passed over between two attempts. */
const MAX_RETRY_DELAY_MS = 10 * 60_000;

/** When a payment the provider failed may be asked again, and how many attempts have failed. */
interface RetryDelay {
  failures: number;
  notBefore: number;
}

@Injectable()
export class ResolvePendingPaymentsHandler {
  private readonly logger = new Logger('Payments');
  /**
   * The payments the provider failed, each passed over for longer after every failure: without this, a batch's
   * worth of payments the provider always fails would be taken first in every round, and the newer ones behind them
   * never reached. Kept in the process, not the table: it only orders this sweeper's work, and another process or a
   * restart asking a payment early does no harm, since the provider answers a payment id once.
   */
  private readonly retryDelays = new Map<string, RetryDelay>();

  constructor(
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly confirmations: OrderConfirmations,
  ) {}

  async execute(command: ResolvePendingPaymentsCommand): Promise<ResolvePendingPaymentsResult> {
    const now = command.now.getTime();
    const cutoff = new Date(now - command.staleAfterMs);
    const stale = await this.payments.findPendingCreatedBefore(cutoff, command.limit, this.passedOver(now));
    let settled = 0;
    for (const payment of stale) {
      if (await this.resolve(payment)) {
        settled++;
        this.retryDelays.delete(payment.id);
      } else {
        this.delayRetry(payment.id, now, command.staleAfterMs);
      }
    }
    if (settled > 0) this.logger.log(`Settled ${settled} payment(s) left pending`);
    return { settled, stillPending: stale.length - settled };
  }

  private passedOver(now: number): string[] {
    const passedOver: string[] = [];
    for (const [paymentId, delay] of this.retryDelays) {
      // Long due and not taken since: settled by another process, or no longer among the oldest; either way forgotten.
      if (delay.notBefore + MAX_RETRY_DELAY_MS < now) this.retryDelays.delete(paymentId);
      else if (delay.notBefore > now) passedOver.push(paymentId);
    }
    return passedOver;
  }

  private delayRetry(paymentId: string, now: number, firstDelayMs: number): void {
    const failures = (this.retryDelays.get(paymentId)?.failures ?? 0) + 1;
    const delayMs = Math.min(MAX_RETRY_DELAY_MS, firstDelayMs * 2 ** (failures - 1));
    this.retryDelays.set(paymentId, { failures, notBefore: now + delayMs });
  }

  private async resolve(payment: Payment): Promise<boolean> {
    let settled: Payment;
    // Its event is held until ordering has been asked to confirm, as the request holds it (ADR 0007).
    const held = new HeldEvents();
    try {
      const outcome = await this.provider.charge({ paymentId: payment.id, amount: payment.amount, paymentMethod: PaymentMethod.of(payment.paymentMethod) });
      settled = await settlePayment(this.payments, payment, outcome, held);
    } catch (error) {
      held.release();
      this.logger.warn(`Payment ${payment.id} stays pending, to be asked again: ${(error as Error)?.message ?? error}`);
      return false;
    }
    // Killed here: SUCCEEDED and its event are committed, and the event, published by a relay once this process's
    // lease on its row runs out, has ordering confirm the order or ask for the refund.
    try {
      if (settled.status === 'SUCCEEDED') await this.confirmations.confirm(settled);
    } catch (error) {
      // Refunded (ORDER_NOT_PAYABLE) or left to the event (CONTEXT_UNAVAILABLE): settled either way.
      this.logger.log(`Payment ${settled.id} settled; its order: ${(error as Error)?.message ?? error}`);
    } finally {
      held.release();
    }
    return true;
  }
}
