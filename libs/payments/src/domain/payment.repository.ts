import { type EventPublication, type OutgoingIntegrationEvent, VersionConflictError } from '@tessera/shared-kernel';
import type { Payment } from './payment.aggregate';

/** Injection token of the PaymentRepository port. */
export const PAYMENT_REPOSITORY = Symbol('PAYMENT_REPOSITORY');

/** An idempotency key to claim with a new payment, in the transaction that stores it. */
export interface PaymentKeyClaim {
  scope: { userId: string; key: string; operation: string };
  request: unknown;
}

/**
 * What the idempotency keys bound to a payment answer from now on: its
 * result, or the refusal it ended in. Recorded with the change that decides it.
 */
export type PaymentKeyOutcome = { result: unknown } | { error: { code: string; message: string; details?: Record<string, unknown> } };

/** Where payments are kept. */
export interface PaymentRepository {
  /** The payment, or null when no payment has this id (a malformed id included). */
  findById(id: string): Promise<Payment | null>;

  /** The order's SUCCEEDED payment (there is at most one), or null. */
  findSucceededByOrderId(orderId: string): Promise<Payment | null>;

  /** Up to `limit` PENDING payments created before `cutoff`, oldest first, but for those named in `passOver`. */
  findPendingCreatedBefore(cutoff: Date, limit: number, passOver?: readonly string[]): Promise<Payment[]>;

  /**
   * Stores a new payment, and claims `key` for it in the same transaction.
   * Answers false, storing nothing, when the key is taken (its first request
   * answers). Throws OrderNotPayableError (ORDER_NOT_PAYABLE) when the order
   * already has a PENDING or SUCCEEDED payment: the store itself enforces one
   * charge per order, whatever runs concurrently.
   */
  add(payment: Payment, key?: PaymentKeyClaim): Promise<boolean>;

  /**
   * Stores the changes of a loaded payment and the given events, in one
   * transaction, only if nobody stored another change since it was loaded
   * (PaymentVersionConflictError otherwise). The events are published once
   * the transaction commits, or, given HeldEvents, when the caller releases
   * them, and by the outbox's relay if it never does. With
   * `keyOutcome`, the payment's idempotency keys answer it from the same
   * commit on.
   */
  save(payment: Payment, events: readonly OutgoingIntegrationEvent[], keyOutcome?: PaymentKeyOutcome, publication?: EventPublication): Promise<void>;
}

/** Another change to the payment was stored since it was loaded: load it again and retry. */
export class PaymentVersionConflictError extends VersionConflictError {
  constructor(
    readonly paymentId: string,
    readonly expectedVersion: number,
  ) {
    super(`Payment ${paymentId} changed since version ${expectedVersion} was loaded`);
  }
}
