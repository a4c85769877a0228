import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';

/** No payment has this id, it is not the requester's, or it is not settled yet. */
export class PaymentNotFoundError extends DomainError {
  constructor() {
    super(ERROR_CODES.PAYMENT_NOT_FOUND, 'Payment not found');
    this.name = 'PaymentNotFoundError';
  }
}

/** No order has this id for the requester; what ordering answers too, so a malformed id is answered here without asking it. */
export class OrderNotFoundError extends DomainError {
  constructor() {
    super(ERROR_CODES.ORDER_NOT_FOUND, 'Order not found');
    this.name = 'OrderNotFoundError';
  }
}

/** The order cannot be paid: it is paid, being paid, cancelled or expired. */
export class OrderNotPayableError extends DomainError {
  constructor(orderId: string, why: string) {
    super(ERROR_CODES.ORDER_NOT_PAYABLE, `Order ${orderId} cannot be paid: ${why}`);
    this.name = 'OrderNotPayableError';
  }

  /** Another payment of the order is running or succeeded: the order is charged at most once. */
  static alreadyCharged(orderId: string): OrderNotPayableError {
    return new OrderNotPayableError(orderId, 'it is paid or a payment for it is in progress');
  }
}

/** The provider declined the charge; the FAILED payment is kept and the order stays payable. */
export class PaymentDeclinedError extends DomainError {
  constructor(paymentId: string, reason: string) {
    super(ERROR_CODES.PAYMENT_DECLINED, `The payment was declined (${reason})`, { paymentId });
    this.name = 'PaymentDeclinedError';
  }
}

/**
 * The provider did not answer: a charge, whose payment stays pending until the
 * pending-payments sweeper settles it, or a refund, whose payment stays
 * SUCCEEDED until it is asked again. Not a DomainError, so that an
 * idempotency key does not keep it as the request's outcome; it reaches the
 * caller as CONTEXT_UNAVAILABLE (see asDomainError), which an event's delivery
 * rule takes for an outage, not a failure of the event.
 */
export class PaymentProviderUnavailableError extends Error {
  readonly code = ERROR_CODES.CONTEXT_UNAVAILABLE;

  constructor(
    message = 'The payment provider did not answer; the payment is settled later, and the order confirmed if the charge went through',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PaymentProviderUnavailableError';
  }
}

/**
 * The charge went through but ordering could not be asked to confirm the order
 * in time. A 201 promises a CONFIRMED order, so the request answers
 * CONTEXT_UNAVAILABLE (see asDomainError) with the payment's id; the charge's
 * event confirms the order when ordering can, and a retry with the same
 * Idempotency-Key asks ordering again and answers 201 once it has. Not a
 * DomainError, so that the key keeps the SUCCEEDED payment as its answer.
 */
export class OrderConfirmationUnavailableError extends Error {
  readonly code = ERROR_CODES.CONTEXT_UNAVAILABLE;

  constructor(readonly paymentId: string) {
    super('The payment went through, but the order could not be confirmed yet; it will be, and a retry with the same Idempotency-Key answers it');
    this.name = 'OrderConfirmationUnavailableError';
  }
}

/** A verb called in a state that does not allow it: a bug in the caller, never a client's mistake. */
export class IllegalPaymentTransitionError extends Error {
  constructor(paymentId: string, from: string, verb: string) {
    super(`Payment ${paymentId} cannot ${verb} when ${from}`);
    this.name = 'IllegalPaymentTransitionError';
  }
}
