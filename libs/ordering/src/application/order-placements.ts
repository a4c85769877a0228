import type { IdempotencyOutcome, IdempotencyScope } from '@tessera/messaging';
import type { Order } from '../domain/order.aggregate';

/** Injection token of the OrderPlacementRepository port. */
export const ORDER_PLACEMENT_REPOSITORY = Symbol('ORDER_PLACEMENT_REPOSITORY');

/**
 * Where an unfinished placement is. PLACING: its stock may be reserved (or
 * about to be), and it goes forward to a stored order. COMPENSATING: it was
 * given up, and only the release of its reservation is left to do.
 */
export type PlacementStage = 'PLACING' | 'COMPENSATING';

/**
 * The durable intent to place an order, stored before anything is asked of
 * another context and kept only until the placement ends: with the order
 * stored, with a refusal, or with its reservation released. Its order id is
 * the reservation's id, so every step can be asked again without doing twice.
 */
export interface OrderPlacement {
  orderId: string;
  userId: string;
  lines: { productId: string; quantity: number }[];
  stage: PlacementStage;
  /** When the customer asked: the order is placed as of then, and expires `paymentTimeoutSeconds` later. */
  createdAt: Date;
  /**
   * ORDER_PAYMENT_TIMEOUT_SECONDS when the customer asked. The catalog's hold
   * is fixed from it at the first reservation, so every later attempt derives
   * the order's expiry from it too, never from the setting of its own moment,
   * which may have grown since. Unknown for a placement begun by a process
   * older than the column that keeps it.
   */
  paymentTimeoutSeconds?: number;
  /** How often recovery has taken it up. */
  attempts: number;
}

/** An idempotency key to bind to a placement: claimed with its intent, answered with its end. */
export interface PlacementKey {
  scope: IdempotencyScope;
  request: unknown;
}

/**
 * How `begin` went: `begun`, the intent is stored and its key claimed;
 * `key-taken`, the key was claimed before and nothing was stored;
 * `customer-inactive` or `customer-unknown`, the user may not order or has
 * not ordered before (Customers), and nothing was stored or claimed.
 */
export type PlacementStart = 'begun' | 'key-taken' | 'customer-inactive' | 'customer-unknown';

/**
 * Unfinished placements, each change in one transaction with what it decides
 * (the order, the key's outcome), so that a crash between two steps leaves a
 * placement that recovery can finish: see ADR 0005.
 */
export interface OrderPlacementRepository {
  /**
   * Stores the intent, PLACING, due for recovery at `recoverAfter`, and claims
   * `key` for it in the same transaction, if the placement's user is an active
   * customer (Customers). Stores nothing when the key is taken (its first
   * request answers) or the customer is not known to be active.
   */
  begin(placement: OrderPlacement, recoverAfter: Date, key?: PlacementKey): Promise<PlacementStart>;

  /**
   * Stores the placed order (its stream, projection and outbox events), ends
   * the placement and records `outcome` for its key, in one transaction.
   * Answers false, storing nothing, when the placement is not PLACING any more
   * (recovery, or another request, ended it).
   */
  complete(order: Order, outcome: IdempotencyOutcome): Promise<boolean>;

  /** Ends a PLACING placement whose reservation was refused, recording `outcome` for its key; false when it was not PLACING. */
  refuse(orderId: string, outcome: IdempotencyOutcome): Promise<boolean>;

  /**
   * PLACING becomes COMPENSATING: nobody may complete it any more. False when it was not PLACING. With
   * `forgetKey`, its idempotency key is forgotten in the same transaction, so that a retry with it runs as new.
   */
  giveUp(orderId: string, options?: { forgetKey?: boolean }): Promise<boolean>;

  /** Ends a COMPENSATING placement, whose reservation is released, and forgets its key: nothing of it remains. */
  abandon(orderId: string): Promise<void>;

  /**
   * The placement due for recovery at `now` the longest, if any, leased to
   * the caller: not due again until `now` plus `leaseMs`, or plus a backoff
   * that grows with its attempts when that is longer. `leaseMs` is the longest
   * the caller's work on it can take, so that no other instance takes it while
   * that work may still be running; the backoff spaces the retries of a
   * placement that keeps failing.
   */
  takeNextDue(now: Date, leaseMs: number): Promise<OrderPlacement | undefined>;
}
