import { Injectable } from '@nestjs/common';
import { RecentValues } from '@tessera/shared-kernel';
import type { OrderSnapshot } from '../../domain/order.aggregate';

/** How many orders are kept at most, the longest unchanged forgotten first; the newest half always is: seconds of orders at the rates measured, where a payment follows its order in milliseconds. */
const CAPACITY = 10_000;

/**
 * The orders this process stored last while they awaited payment, as it
 * stored them, so that the change that nearly always follows (a payment's
 * confirmation, a few milliseconds after the order was placed) loads the
 * order without a read (ADR 0016).
 *
 * Only an order awaiting payment is kept: every decision on one ends in a
 * write guarded by the version it was loaded at (confirmed, expired or
 * cancelled), so a state another process changed since is refused by that
 * write, forgotten here, and read again by the retry. A state that ends the
 * order's flow could answer without a write, and is never kept. Nothing
 * durable depends on this: a process killed at any point loses only what it
 * would have saved a read with.
 */
@Injectable()
export class StoredOrdersAwaitingPayment {
  private readonly snapshots = new RecentValues<OrderSnapshot>(CAPACITY);

  /** What this process just stored of the order: kept while it awaits payment, forgotten otherwise. */
  stored(snapshot: OrderSnapshot): void {
    const id = snapshot.id.toLowerCase();
    if (snapshot.status === 'AWAITING_PAYMENT') this.snapshots.keep(id, snapshot);
    else this.snapshots.forget(id);
  }

  /** The order may have changed otherwise: read it again next time. */
  forget(orderId: string): void {
    this.snapshots.forget(orderId.toLowerCase());
  }

  /** The order as this process stored it last, if it awaited payment then and was not forgotten since. */
  find(orderId: string): OrderSnapshot | undefined {
    return this.snapshots.get(orderId.toLowerCase());
  }
}
