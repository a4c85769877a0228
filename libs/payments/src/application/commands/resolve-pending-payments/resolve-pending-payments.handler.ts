import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Payment } from '../../../domain/payment.aggregate';
import { PaymentMethod } from '../../../domain/payment-method.value-object';
import { PAYMENT_PROVIDER, type PaymentProvider } from '../../../domain/payment.provider';
import { PAYMENT_REPOSITORY, type PaymentRepository } from '../../../domain/payment.repository';
import { settlePayment } from '../../settle-payment';
import { ResolvePendingPaymentsCommand } from './resolve-pending-payments.command';

/** How many stale pending payments one run settled, and how many are still waiting for the provider. */
export interface ResolvePendingPaymentsResult {
  settled: number;
  stillPending: number;
}

/**
 * Recovers payments whose request died between storing PENDING and storing the
 * outcome. It asks the provider again for the same payment id, which (by the
 * PaymentProvider contract) charges at most once and answers the first outcome,
 * then stores SUCCEEDED or FAILED with its outbox event. The event carries the
 * recovery on: ordering confirms the order on payments.payment.succeeded, or,
 * if the order was cancelled or expired meanwhile, asks payments.refund-order.
 * Safe with several instances: a payment settled by another one is left as it is.
 */
@Injectable()
export class ResolvePendingPaymentsHandler {
  private readonly logger = new Logger('Payments');

  constructor(
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
  ) {}

  async execute(command: ResolvePendingPaymentsCommand): Promise<ResolvePendingPaymentsResult> {
    const cutoff = new Date(command.now.getTime() - command.staleAfterMs);
    const stale = await this.payments.findPendingCreatedBefore(cutoff, command.limit);
    let settled = 0;
    for (const payment of stale) {
      if (await this.resolve(payment)) settled++;
    }
    if (settled > 0) this.logger.log(`Settled ${settled} payment(s) left pending`);
    return { settled, stillPending: stale.length - settled };
  }

  private async resolve(payment: Payment): Promise<boolean> {
    try {
      const outcome = await this.provider.charge({ paymentId: payment.id, amount: payment.amount, paymentMethod: PaymentMethod.of(payment.paymentMethod) });
      await settlePayment(this.payments, payment, outcome);
      return true;
    } catch (error) {
      this.logger.warn(`Payment ${payment.id} stays pending, to be asked again: ${(error as Error)?.message ?? error}`);
      return false;
    }
  }
}
