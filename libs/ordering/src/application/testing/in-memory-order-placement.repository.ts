import type { IdempotencyOutcome } from '@tessera/messaging';
import type { Order } from '../../domain/order.aggregate';
import type { OrderPlacement, OrderPlacementRepository, PlacementKey, PlacementStart } from '../order-placements';
import type { InMemoryCustomers } from './in-memory-customers';
import type { InMemoryOrderRepository } from './in-memory-order.repository';
import { FakeIdempotencyStore, nextTurn } from '@tessera/messaging/testing';

/**
 * The OrderPlacementRepository contract in memory, for specs: an intent
 * only for an active customer, changes conditional on the stage, the order
 * stored through the in-memory order repository, keys through the fake
 * store, and a lease on takeNextDue, as the table's, that keeps a placement
 * from being taken again until `now` passes it.
 */
export class InMemoryOrderPlacementRepository implements OrderPlacementRepository {
  private readonly placements = new Map<string, { placement: OrderPlacement; recoverAfter: Date }>();
  /** Makes the next complete() fail, as a database that went away would. */
  failNextComplete?: Error;

  constructor(
    private readonly orders: InMemoryOrderRepository,
    private readonly idempotency: FakeIdempotencyStore,
    private readonly customers: InMemoryCustomers,
  ) {}

  async begin(placement: OrderPlacement, recoverAfter: Date, key?: PlacementKey): Promise<PlacementStart> {
    await nextTurn();
    const standing = this.customers.standingOf(placement.userId);
    if (standing === undefined) return 'customer-unknown';
    if (standing === 'inactive') return 'customer-inactive';
    if (key && !(await this.idempotency.claim(undefined, key.scope, key.request, placement.orderId))) return 'key-taken';
    this.placements.set(placement.orderId, { placement: { ...placement, lines: placement.lines.map((line) => ({ ...line })) }, recoverAfter });
    return 'begun';
  }

  async complete(order: Order, outcome: IdempotencyOutcome): Promise<boolean> {
    await nextTurn();
    if (this.failNextComplete) {
      const failure = this.failNextComplete;
      this.failNextComplete = undefined;
      throw failure;
    }
    if (this.stageOf(order.id) !== 'PLACING') return false;
    await this.orders.save(order);
    this.placements.delete(order.id);
    await this.idempotency.record(order.id, outcome);
    return true;
  }

  async refuse(orderId: string, outcome: IdempotencyOutcome): Promise<boolean> {
    await nextTurn();
    if (this.stageOf(orderId) !== 'PLACING') return false;
    this.placements.delete(orderId);
    await this.idempotency.record(orderId, outcome);
    return true;
  }

  async giveUp(orderId: string, options: { forgetKey?: boolean } = {}): Promise<boolean> {
    await nextTurn();
    const kept = this.placements.get(orderId);
    if (kept?.placement.stage !== 'PLACING') return false;
    kept.placement.stage = 'COMPENSATING';
    if (options.forgetKey) await this.idempotency.forget(orderId);
    return true;
  }

  async abandon(orderId: string): Promise<void> {
    await nextTurn();
    if (this.stageOf(orderId) === 'COMPENSATING') this.placements.delete(orderId);
    await this.idempotency.forget(orderId);
  }

  async takeNextDue(now: Date, leaseMs: number): Promise<OrderPlacement | undefined> {
    await nextTurn();
    const [kept] = [...this.placements.values()]
      .filter((each) => each.recoverAfter.getTime() <= now.getTime())
      .sort((a, b) => a.recoverAfter.getTime() - b.recoverAfter.getTime() || a.placement.createdAt.getTime() - b.placement.createdAt.getTime());
    if (!kept) return undefined;
    kept.recoverAfter = new Date(now.getTime() + Math.max(leaseMs, 1000 * Math.min(2 ** kept.placement.attempts, 60)));
    kept.placement.attempts++;
    return { ...kept.placement, lines: kept.placement.lines.map((line) => ({ ...line })) };
  }

  /** The stage of the placement of `orderId`, or undefined once it ended. */
  stageOf(orderId: string): OrderPlacement['stage'] | undefined {
    return this.placements.get(orderId)?.placement.stage;
  }

  /** The placements not ended yet. */
  get unfinished(): number {
    return this.placements.size;
  }
}
