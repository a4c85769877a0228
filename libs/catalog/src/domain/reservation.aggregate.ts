import { isUuid, type Money } from '@tessera/shared-kernel';

/** Where a reservation is: holding units for an order, sold with it, or given back to stock. */
export type ReservationStatus = 'RESERVED' | 'COMMITTED' | 'RELEASED';

/** A reserved line, named and priced as the product was when it was reserved. */
export interface ReservationLine {
  productId: string;
  sku: string;
  name: string;
  unitPrice: Money;
  quantity: number;
}

/** Everything a reservation is, as stored. */
export interface ReservationSnapshot {
  id: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  createdAt: Date;
  updatedAt: Date;
  /** When its units stop being held if it is still RESERVED then. */
  expiresAt: Date;
  /** Whether it was RELEASED because nobody committed it in time, rather than because it was asked to. */
  releasedByExpiry: boolean;
}

/**
 * Units of products taken out of available stock for one order, under the
 * order's id. RESERVED becomes COMMITTED when the order is paid (the units
 * stay sold); RESERVED or COMMITTED becomes RELEASED when the order is
 * cancelled or refunded, and the units go back to stock; RESERVED also
 * becomes RELEASED when its hold runs out, so that a caller that never comes
 * back cannot keep units out of stock. RELEASED is final, so a reservation
 * gives its units back at most once.
 */
export class Reservation {
  private constructor(
    private readonly state: ReservationSnapshot,
    private stored: ReservationStatus,
  ) {}

  /** Rebuilds a stored reservation. */
  static reconstitute(snapshot: ReservationSnapshot): Reservation {
    return new Reservation(copy(snapshot), snapshot.status);
  }

  /**
   * A release that came before any reservation under its id: the id is spent
   * and holds nothing, so a reservation that arrives later takes no stock.
   */
  static releasedBeforeReserved(id: string, now: Date = new Date()): Reservation {
    const at = () => new Date(now);
    return new Reservation({ id, status: 'RELEASED', lines: [], createdAt: at(), updatedAt: at(), expiresAt: at(), releasedByExpiry: false }, 'RELEASED');
  }

  /** Reservation ids are UUIDs (the order's id); anything else names no reservation. */
  static isWellFormedId(value: unknown): value is string {
    return isUuid(value);
  }

  get id(): string {
    return this.state.id;
  }

  get status(): ReservationStatus {
    return this.state.status;
  }

  /** By product id, the order in which their stock was taken. */
  get lines(): readonly ReservationLine[] {
    return this.state.lines.map((line) => ({ ...line }));
  }

  /** The units reserved by all its lines together. */
  get units(): number {
    return this.state.lines.reduce((sum, line) => sum + line.quantity, 0);
  }

  get createdAt(): Date {
    return new Date(this.state.createdAt);
  }

  get updatedAt(): Date {
    return new Date(this.state.updatedAt);
  }

  get expiresAt(): Date {
    return new Date(this.state.expiresAt);
  }

  get releasedByExpiry(): boolean {
    return this.state.releasedByExpiry;
  }

  /** The status it was loaded at: a save succeeds only if it is still the stored one. */
  get storedStatus(): ReservationStatus {
    return this.stored;
  }

  /**
   * The units are sold: RESERVED becomes COMMITTED. Answers whether anything
   * changed; a committed reservation stays as it is, and so does a released
   * one, whose units are back in stock and may have been sold to someone else.
   */
  commit(now: Date = new Date()): boolean {
    if (this.state.status !== 'RESERVED') return false;
    this.state.status = 'COMMITTED';
    this.state.updatedAt = new Date(now);
    return true;
  }

  /** The units go back to stock, whether only reserved or already sold; answers false when they already went back. */
  release(now: Date = new Date()): boolean {
    if (this.state.status === 'RELEASED') return false;
    this.state.status = 'RELEASED';
    this.state.updatedAt = new Date(now);
    return true;
  }

  /**
   * Its hold ran out: a RESERVED reservation whose expiresAt is not after
   * `now` becomes RELEASED, and its units go back to stock. Answers whether
   * anything changed; a committed or released reservation stays as it is, and
   * so does one whose hold has not run out.
   */
  expire(now: Date = new Date()): boolean {
    if (this.state.status !== 'RESERVED' || now.getTime() < this.state.expiresAt.getTime()) return false;
    this.state.status = 'RELEASED';
    this.state.releasedByExpiry = true;
    this.state.updatedAt = new Date(now);
    return true;
  }

  /** The lines whose units go back to stock with the changes since it was loaded: all of them when it was released. */
  stockToReturn(): readonly ReservationLine[] {
    return this.stored !== 'RELEASED' && this.state.status === 'RELEASED' ? this.lines : [];
  }

  /** Called by the repository once the change is stored. */
  markStored(): void {
    this.stored = this.state.status;
  }

  toSnapshot(): ReservationSnapshot {
    return copy(this.state);
  }
}

function copy(snapshot: ReservationSnapshot): ReservationSnapshot {
  return {
    ...snapshot,
    lines: snapshot.lines.map((line) => ({ ...line })),
    createdAt: new Date(snapshot.createdAt),
    updatedAt: new Date(snapshot.updatedAt),
    expiresAt: new Date(snapshot.expiresAt),
  };
}
