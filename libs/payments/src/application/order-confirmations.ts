import { Inject, Injectable, Logger } from '@nestjs/common';
import { ERROR_CODES, ORDERING_PATTERNS, type ConfirmPaymentRequest } from '@tessera/contracts';
import { ContextClient, errorOutcome, IdempotencyStore, InjectContextClient, RemoteError } from '@tessera/messaging';
import type { Payment } from '../domain/payment.aggregate';
import { OrderConfirmationUnavailableError, OrderNotPayableError } from '../domain/payment.errors';
import { PAYMENT_PROVIDER, type PaymentProvider } from '../domain/payment.provider';
import { PAYMENT_REPOSITORY, type PaymentRepository } from '../domain/payment.repository';
import { refundPayment } from './refund-payment';

/**
 * The last step of a succeeded charge, whoever settled it (the request, or
 * the sweeper for a request that died): ordering is asked to confirm the
 * order for the payment. An order that can no longer be paid (cancelled or
 * expired meanwhile) has its charge refunded here, by payments itself, and
 * the payment's idempotency key answers the refusal from then on.
 */
@Injectable()
export class OrderConfirmations {
  private readonly logger = new Logger('Payments');

  constructor(
    @Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @InjectContextClient('ordering') private readonly ordering: ContextClient,
    private readonly idempotency: IdempotencyStore,
  ) {}

  /**
   * Resolves once ordering confirmed the order for this payment; throws ORDER_NOT_PAYABLE once the charge is
   * refunded (or its refund failed and is left to ordering), and CONTEXT_UNAVAILABLE when ordering could not be
   * asked, in which case the payment's payments.payment.succeeded event has it confirm later.
   */
  async confirm(payment: Pick<Payment, 'id' | 'orderId'>): Promise<void> {
    try {
      await this.ordering.send<unknown, ConfirmPaymentRequest>(ORDERING_PATTERNS.CONFIRM_PAYMENT, { orderId: payment.orderId, paymentId: payment.id });
    } catch (error) {
      if (error instanceof RemoteError && error.code === ERROR_CODES.ORDER_NOT_PAYABLE) {
        const refused = new OrderNotPayableError(payment.orderId, 'it is cancelled or expired, and this charge is refunded');
        // The key answers the refusal from now on. Killed after this: the charge stands, and its
        // payments.payment.succeeded event has ordering, which finds the order cancelled or expired, ask for the refund.
        await this.idempotency.record(payment.id, errorOutcome(refused));
        await this.refundRefusedCharge(payment);
        throw refused;
      }
      // The charge stands and its payments.payment.succeeded event, already in the outbox, has ordering confirm the
      // order. The key keeps the SUCCEEDED payment, so a retry with it asks ordering again.
      this.logger.warn(`ordering did not confirm order ${payment.orderId} for payment ${payment.id}; its event will: ${(error as Error)?.message ?? error}`);
      throw new OrderConfirmationUnavailableError(payment.id);
    }
  }

  private async refundRefusedCharge(payment: Pick<Payment, 'id' | 'orderId'>): Promise<void> {
    try {
      await refundPayment(this.payments, this.provider, payment.id);
    } catch (error) {
      // ordering answers payments.payment.succeeded for a cancelled order with payments.refund-order, which retries this.
      this.logger.error(
        `Refund of payment ${payment.id} for unpayable order ${payment.orderId} failed; it is retried through ordering`,
        (error as Error)?.stack,
      );
    }
  }
}
