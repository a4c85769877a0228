import { Order, OrderSnapshot } from '../../domain/order.aggregate';
import { fromStoredEvent, StoredOrderEvent, toStoredEvent } from '../../domain/order-domain-events';
import { isUuid } from '../../domain/order-id';
import { OrderCriteria, OrderRepository, OrderSlice, OrderVersionConflictError } from '../../domain/order.repository';
import { toIntegrationEvent } from '../order-integration-events';
import { FakeOutbox, isFakeTransaction, nextTurn, throughJson } from '@tessera/messaging/testing';
import type { EventPublication, JoinedTransaction } from '@tessera/shared-kernel';

/**
 * The OrderRepository contract in memory, for tests: streams stored as JSON
 * (so every load rebuilds the order from what a database would hold), saves
 * only right after the version loaded, integration events into the outbox
 * with the save and published when it "commits", and a turn of the event
 * loop in every call so that concurrent commands interleave.
 */
export class InMemoryOrderRepository implements OrderRepository {
  private readonly streams = new Map<string, StoredOrderEvent[]>();
  private readonly beforeNextSave: (() => Promise<unknown>)[] = [];
  private failure?: Error;
  private interleaving = false;
  saves = 0;

  constructor(private readonly outbox: FakeOutbox) {}

  async load(orderId: string, transaction?: JoinedTransaction): Promise<Order | null> {
    this.assertTransaction(transaction);
    const order = await this.loadHistory(orderId);
    return order && Order.fromSnapshot(order.toSnapshot());
  }

  async loadHistory(orderId: string): Promise<Order | null> {
    await nextTurn();
    if (!isUuid(orderId)) return null;
    const stream = this.streams.get(orderId.toLowerCase());
    return stream ? Order.fromHistory(throughJson(stream).map((event) => fromStoredEvent(orderId.toLowerCase(), event))) : null;
  }

  async save(order: Order, transaction?: JoinedTransaction, publication: EventPublication = 'on-commit'): Promise<void> {
    this.assertTransaction(transaction);
    await nextTurn();
    await this.runInterleavedWrite();
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
    const events = order.pullEvents();
    if (events.length === 0) return;
    const stream = this.streams.get(order.id) ?? [];
    if (stream.length !== order.storedVersion) throw new OrderVersionConflictError(order.id, order.storedVersion);
    this.streams.set(order.id, [...stream, ...events.map((event) => throughJson(toStoredEvent(event)))]);
    for (const event of events) {
      const { pattern, payload } = toIntegrationEvent(event);
      await this.outbox.add(transaction, pattern, payload);
    }
    this.saves++;
    order.markStored();
    if (transaction) return;
    if (publication === 'on-commit') this.outbox.flush();
    else publication.hold(() => this.outbox.flush());
  }

  async findSnapshot(orderId: string): Promise<OrderSnapshot | null> {
    return (await this.load(orderId))?.toSnapshot() ?? null;
  }

  async list({ userId, offset, limit }: OrderCriteria): Promise<OrderSlice> {
    await nextTurn();
    const matching = this.snapshots()
      .filter((order) => userId === undefined || order.userId === userId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return { items: matching.slice(offset, offset + limit), total: matching.length };
  }

  async findDueForExpiry(now: Date, limit: number): Promise<string[]> {
    await nextTurn();
    return this.snapshots()
      .filter((order) => order.status === 'AWAITING_PAYMENT' && order.expiresAt.getTime() <= now.getTime())
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
      .slice(0, limit)
      .map((order) => order.id);
  }

  /** Makes the next save fail with `error`, as a database that went away would. */
  failNextSave(error: Error = new Error('connection terminated unexpectedly')): void {
    this.failure = error;
  }

  /**
   * Runs `write` at the start of the next save, before its version check, as
   * another request changing the same order in between would. Saves made by
   * `write` itself run undisturbed.
   */
  interleaveBeforeNextSave(write: () => Promise<unknown>): void {
    this.beforeNextSave.push(write);
  }

  /** The stored stream of an order, for assertions. */
  streamOf(orderId: string): StoredOrderEvent[] {
    return throughJson(this.streams.get(orderId) ?? []);
  }

  get size(): number {
    return this.streams.size;
  }

  private snapshots(): OrderSnapshot[] {
    return [...this.streams.entries()].map(([id, stream]) => Order.fromHistory(throughJson(stream).map((event) => fromStoredEvent(id, event))).toSnapshot());
  }

  private async runInterleavedWrite(): Promise<void> {
    if (this.interleaving) return;
    const write = this.beforeNextSave.shift();
    if (!write) return;
    this.interleaving = true;
    try {
      await write();
    } finally {
      this.interleaving = false;
    }
  }

  private assertTransaction(transaction: JoinedTransaction | undefined): void {
    if (transaction !== undefined && !isFakeTransaction(transaction)) throw new TypeError('Only a FakeInbox transaction can be joined');
  }
}
