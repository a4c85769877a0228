import { type EventPublication, type JoinedTransaction, VersionConflictError } from '@tessera/shared-kernel';
import type { Order, OrderSnapshot } from './order.aggregate';

/** Injection token of the OrderRepository port. */
export const ORDER_REPOSITORY = Symbol('ORDER_REPOSITORY');

/** Which orders to list: one user's, or everyone's; newest first. */
export interface OrderCriteria {
  userId?: string;
  offset: number;
  limit: number;
}

/** One page of orders and how many match in all. */
export interface OrderSlice {
  items: OrderSnapshot[];
  total: number;
}

/**
 * Where orders are kept: each as its stream of events (the truth, and the
 * history) and a projection row of its current state (for reading and
 * finding), both written in one transaction.
 */
export interface OrderRepository {
  /**
   * The order to change, from its projection row (which every save keeps at
   * the stream's version), or null when there is none (a malformed id included).
   * It may be the state this process stored last, when another process has
   * changed it since: the save refuses it then (OrderVersionConflictError).
   * A decision that writes nothing reads findSnapshot instead.
   */
  load(orderId: string, transaction?: JoinedTransaction): Promise<Order | null>;

  /** The order rebuilt from its stream, every event of it known, or null as `load`. */
  loadHistory(orderId: string): Promise<Order | null>;

  /**
   * Appends the events the order recorded to its stream, right after the
   * version it was loaded at, updates its projection row and queues the
   * integration events they mean, all in one transaction; publishes those
   * once it commits. Throws OrderVersionConflictError when another change
   * of the order was stored since it was loaded: load it again and retry.
   * With `transaction`, joins it, and publishing after its commit is up to
   * whoever commits it; given HeldEvents, the events wait until they are
   * released. The order is spent afterwards: load it again to change it again.
   */
  save(order: Order, transaction?: JoinedTransaction, publication?: EventPublication): Promise<void>;

  /** The order as its projection row has it now, or null (a malformed id included). */
  findSnapshot(orderId: string): Promise<OrderSnapshot | null>;

  /** A page of orders, newest first (then by id, so that pages neither overlap nor skip). */
  list(criteria: OrderCriteria): Promise<OrderSlice>;

  /** The ids of orders still awaiting payment whose time to pay is over at `now`, those overdue longest first. */
  findDueForExpiry(now: Date, limit: number): Promise<string[]>;
}

/** Another change to the order was stored since it was loaded: load it again and retry. */
export class OrderVersionConflictError extends VersionConflictError {
  constructor(
    readonly orderId: string,
    readonly expectedVersion: number,
  ) {
    super(`Order ${orderId} changed since version ${expectedVersion} was loaded`);
  }
}
