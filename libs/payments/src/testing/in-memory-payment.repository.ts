import { Payment, PaymentSnapshot } from '../domain/payment.aggregate';
import { OrderNotPayableError } from '../domain/payment.errors';
import { PaymentKeyClaim, PaymentKeyOutcome, PaymentRepository, PaymentVersionConflictError } from '../domain/payment.repository';
import { FakeIdempotencyStore, nextTurn } from '@tessera/messaging/testing';
import type { EventPublication, OutgoingIntegrationEvent } from '@tessera/shared-kernel';

/**
 * The PaymentRepository contract in memory, for tests: copies in and out as a
 * database would, one PENDING or SUCCEEDED payment per order (the partial
 * unique index), version checks on save, events kept in an outbox only when
 * their save succeeds, and a turn of the event loop in every call so that
 * concurrent commands interleave.
 */
export class InMemoryPaymentRepository implements PaymentRepository {
  private readonly rows = new Map<string, PaymentSnapshot>();
  private readonly interleavedWrites: (() => Promise<void>)[] = [];
  private interleaving = false;
  /** The events stored with saved changes, as they would leave the outbox (through JSON). */
  readonly outbox: { pattern: string; payload: Record<string, unknown> }[] = [];
  /** How many of `outbox`'s events were published so far: all but those saves held and nobody asked for yet. */
  published = 0;

  /** `idempotency` takes the keys claimed and answered with the payments, as their transactions would. */
  constructor(private readonly idempotency = new FakeIdempotencyStore()) {}

  async findById(id: string): Promise<Payment | null> {
    await nextTurn();
    const row = Payment.isWellFormedId(id) ? this.rows.get(id) : undefined;
    return row ? Payment.reconstitute(row) : null;
  }

  async findSucceededByOrderId(orderId: string): Promise<Payment | null> {
    await nextTurn();
    const row = [...this.rows.values()].find((candidate) => candidate.orderId === orderId && candidate.status === 'SUCCEEDED');
    return row ? Payment.reconstitute(row) : null;
  }

  async findPendingCreatedBefore(cutoff: Date, limit: number, passOver: readonly string[] = []): Promise<Payment[]> {
    await nextTurn();
    return [...this.rows.values()]
      .filter((row) => row.status === 'PENDING' && row.createdAt.getTime() < cutoff.getTime() && !passOver.includes(row.id))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit)
      .map((row) => Payment.reconstitute(row));
  }

  async add(payment: Payment, key?: PaymentKeyClaim): Promise<boolean> {
    await nextTurn();
    const row = payment.toSnapshot();
    if (this.rows.has(row.id)) throw new Error(`Duplicate payment id ${row.id}`);
    const active = [...this.rows.values()].some((other) => other.orderId === row.orderId && (other.status === 'PENDING' || other.status === 'SUCCEEDED'));
    if (active && (row.status === 'PENDING' || row.status === 'SUCCEEDED')) throw OrderNotPayableError.alreadyCharged(row.orderId);
    if (key && !(await this.idempotency.claim(undefined, key.scope, key.request, row.id))) return false;
    this.rows.set(row.id, row);
    return true;
  }

  async save(
    payment: Payment,
    events: readonly OutgoingIntegrationEvent[],
    keyOutcome?: PaymentKeyOutcome,
    publication: EventPublication = 'on-commit',
  ): Promise<void> {
    await nextTurn();
    await this.runInterleavedWrite();
    const row = payment.toSnapshot();
    const stored = this.rows.get(row.id);
    if (!stored || stored.version !== row.version) throw new PaymentVersionConflictError(row.id, row.version);
    this.rows.set(row.id, { ...row, version: row.version + 1 });
    for (const event of events) this.outbox.push({ pattern: event.pattern, payload: JSON.parse(JSON.stringify(event.payload)) as Record<string, unknown> });
    if (keyOutcome) await this.idempotency.record(row.id, keyOutcome);
    payment.markStored(row.version + 1);
    const upTo = this.outbox.length;
    const publish = () => (this.published = Math.max(this.published, upTo));
    if (publication === 'on-commit') publish();
    else publication.hold(publish);
  }

  /** Stores payments as they are, as if made earlier; nothing goes to the outbox. */
  async given(...payments: Payment[]): Promise<void> {
    for (const payment of payments) {
      payment.pullEvents();
      await this.add(payment);
    }
  }

  /**
   * Runs `write` at the start of the next save, before its version check, as
   * another request saving the same payment in between would. Saves made by
   * `write` itself run undisturbed.
   */
  interleaveBeforeNextSave(write: () => Promise<unknown>): void {
    this.interleavedWrites.push(async () => void (await write()));
  }

  /** What is stored for a payment now, or undefined. */
  stored(id: string): PaymentSnapshot | undefined {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  /** Every stored payment of an order, oldest first. */
  ofOrder(orderId: string): PaymentSnapshot[] {
    return [...this.rows.values()].filter((row) => row.orderId === orderId).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** The patterns of the events in the outbox, in order. */
  patterns(): string[] {
    return this.outbox.map((event) => event.pattern);
  }

  private async runInterleavedWrite(): Promise<void> {
    if (this.interleaving) return;
    const write = this.interleavedWrites.shift();
    if (!write) return;
    this.interleaving = true;
    try {
      await write();
    } finally {
      this.interleaving = false;
    }
  }
}
