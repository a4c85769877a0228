import { InsufficientStockError, ProductNotFoundError } from '../domain/product.errors';
import { Reservation, ReservationLine, ReservationSnapshot, type ReservationStatus } from '../domain/reservation.aggregate';
import { ReservationRepository, ReservationStatusConflictError } from '../domain/reservation.repository';
import type { ReservationRequest } from '../domain/reservation-request.value-object';
import type { InMemoryProductRepository } from './in-memory-product.repository';
import { nextTurn } from '@tessera/messaging/testing';
import type { JoinedTransaction, OutgoingIntegrationEvent } from '@tessera/shared-kernel';

/**
 * The ReservationRepository contract in memory, for tests, on the stock of an
 * InMemoryProductRepository: all-or-nothing reservations, status checks on
 * save, the events of a save kept only when the save succeeds, and a turn of
 * the event loop in every call so that concurrent commands interleave. It has
 * no rollback: a transaction it is asked to work within is only recorded.
 */
export class InMemoryReservationRepository implements ReservationRepository {
  private readonly rows = new Map<string, ReservationSnapshot>();
  private readonly saveFailures: Error[] = [];
  /** The transactions it was asked to work within, in order. */
  readonly transactionsJoined: JoinedTransaction[] = [];
  /** The events stored with successful saves, in order, as they would go through the outbox. */
  readonly eventsStored: { pattern: string; payload: Record<string, unknown> }[] = [];
  reserveCalls = 0;
  findByIdCalls = 0;

  constructor(private readonly products: InMemoryProductRepository) {}

  within(transaction: JoinedTransaction): ReservationRepository {
    this.transactionsJoined.push(transaction);
    return this;
  }

  async findById(id: string): Promise<Reservation | null> {
    this.findByIdCalls++;
    await nextTurn();
    const row = this.rows.get(id.toLowerCase());
    return row ? Reservation.reconstitute(row) : null;
  }

  async findStatus(id: string): Promise<ReservationStatus | undefined> {
    await nextTurn();
    return this.rows.get(id.toLowerCase())?.status;
  }

  async findOverdueIds(now: Date, limit: number): Promise<string[]> {
    await nextTurn();
    return [...this.rows.values()]
      .filter((row) => row.status === 'RESERVED' && row.expiresAt.getTime() <= now.getTime())
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map((row) => row.id);
  }

  async reserve(request: ReservationRequest): Promise<Reservation> {
    this.reserveCalls++;
    await nextTurn();
    const existing = this.rows.get(request.reservationId);
    if (existing) return Reservation.reconstitute(existing);

    const lines: ReservationLine[] = request.lines.map(({ productId, quantity }) => {
      const product = this.products.stored(productId);
      if (!product) throw new ProductNotFoundError(productId);
      if (product.stock < quantity) throw new InsufficientStockError(productId, product.sku, product.stock, quantity, 'reserve');
      return { productId, sku: product.sku, name: product.name, unitPrice: product.price, quantity };
    });
    for (const line of lines) this.products.changeStock(line.productId, -line.quantity);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + request.holdSeconds * 1000);
    const snapshot: ReservationSnapshot = {
      id: request.reservationId,
      status: 'RESERVED',
      lines,
      createdAt: now,
      updatedAt: now,
      expiresAt,
      releasedByExpiry: false,
    };
    this.rows.set(snapshot.id, snapshot);
    return Reservation.reconstitute(snapshot);
  }

  async commitIfReserved(id: string, now: Date): Promise<Reservation | null> {
    await nextTurn();
    const stored = this.rows.get(id.toLowerCase());
    if (stored?.status !== 'RESERVED') return null;
    const reservation = Reservation.reconstitute(stored);
    reservation.commit(now);
    this.rows.set(reservation.id, reservation.toSnapshot());
    reservation.markStored();
    return reservation;
  }

  async save(reservation: Reservation, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    await nextTurn();
    const failure = this.saveFailures.shift();
    if (failure) throw failure;
    const stored = this.rows.get(reservation.id);
    if (!stored || stored.status !== reservation.storedStatus) throw new ReservationStatusConflictError(reservation.id, reservation.storedStatus);
    for (const line of reservation.stockToReturn()) this.products.changeStock(line.productId, line.quantity);
    this.rows.set(reservation.id, reservation.toSnapshot());
    for (const { pattern, payload } of events) this.eventsStored.push({ pattern, payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown> });
    reservation.markStored();
  }

  async addReleased(reservation: Reservation): Promise<boolean> {
    await nextTurn();
    if (this.rows.has(reservation.id)) return false;
    this.rows.set(reservation.id, reservation.toSnapshot());
    reservation.markStored();
    return true;
  }

  /** Makes the next save fail with `error`, storing nothing, as a database that times out would. */
  failNextSave(error: Error): void {
    this.saveFailures.push(error);
  }

  /** What is stored for the reservation now, or undefined. */
  stored(id: string): ReservationSnapshot | undefined {
    const row = this.rows.get(id);
    return row && Reservation.reconstitute(row).toSnapshot();
  }

  get size(): number {
    return this.rows.size;
  }
}
