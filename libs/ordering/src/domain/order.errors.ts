import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';

/** No order has this id, the id is malformed, or the order is someone else's and the requester is no admin. */
export class OrderNotFoundError extends DomainError {
  constructor() {
    super(ERROR_CODES.ORDER_NOT_FOUND, 'Order not found');
    this.name = 'OrderNotFoundError';
  }
}

/** The order is cancelled already. */
export class OrderNotCancellableError extends DomainError {
  constructor() {
    super(ERROR_CODES.ORDER_NOT_CANCELLABLE, 'The order is cancelled already');
    this.name = 'OrderNotCancellableError';
  }
}

/** The order cannot take this payment: it is cancelled, expired, or paid by another payment. */
export class OrderNotPayableError extends DomainError {
  constructor(why: string) {
    super(ERROR_CODES.ORDER_NOT_PAYABLE, `The order cannot be paid: ${why}`);
    this.name = 'OrderNotPayableError';
  }
}

/**
 * The user placing the order is unknown or deactivated. The gateway refuses
 * such a user's token already; this answers the race with a deactivation the
 * same way (401).
 */
export class CustomerCannotOrderError extends DomainError {
  constructor() {
    super(ERROR_CODES.INVALID_CREDENTIALS, 'This account cannot place orders');
    this.name = 'CustomerCannotOrderError';
  }
}
