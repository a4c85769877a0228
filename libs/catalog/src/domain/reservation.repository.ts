import { type JoinedTransaction, type OutgoingIntegrationEvent, VersionConflictError } from '@tessera/shared-kernel';
import type { Reservation, ReservationStatus } from './reservation.aggregate';
import type { ReservationRequest } from './reservation-request.value-object';

/** Injection token of the ReservationRepository port. */
export const RESERVATION_REPOSITORY = Symbol('RESERVATION_REPOSITORY');

/** Where reservations are kept, and where they take and give back the products' stock. */
export interface ReservationRepository {
  /** The same store, working inside a transaction the caller holds rather than in transactions of its own. */
  within(transaction: JoinedTransaction): ReservationRepository;

  /** The reservation with its lines, or null when none has this id (a malformed id included). */
  findById(id: string): Promise<Reservation | null>;

  /** The status of the reservation as stored now, or undefined when none has this id: one cheap read, for a check. */
  findStatus(id: string): Promise<ReservationStatus | undefined>;

  /**
   * Up to `limit` ids of the RESERVED reservations whose expiresAt is not
   * after `now`, the longest overdue first.
   */
  findOverdueIds(now: Date, limit: number): Promise<string[]>;

  /**
   * In one transaction, takes each line's units out of the product's
   * available stock, in the order of the request's lines (by product id, so
   * that concurrent reservations never deadlock), and stores the reservation
   * RESERVED, named and priced as the products are now, to expire the
   * request's holdSeconds from now. All of it or nothing:
   * INSUFFICIENT_STOCK or PRODUCT_NOT_FOUND (`details.productId`) for the
   * first line that cannot be had. When a reservation with this id exists,
   * or is being made concurrently and gets stored, changes nothing and
   * answers that one, whatever it holds (and whenever it expires).
   */
  reserve(request: ReservationRequest): Promise<Reservation>;

  /**
   * What `commit()` and `save` do together, in one step: a RESERVED
   * reservation becomes COMMITTED at `now`, and is answered as it now is.
   * Answers null, changing nothing, when it is not RESERVED or does not
   * exist: then load it and decide.
   */
  commitIfReserved(id: string, now: Date): Promise<Reservation | null>;

  /**
   * Stores a change of status, only if the stored status is still the one it
   * was loaded at (ReservationStatusConflictError otherwise), and in the same
   * transaction gives the units of its `stockToReturn()` back to stock and
   * adds `events` to the outbox, which publishes them once that commits.
   */
  save(reservation: Reservation, events?: readonly OutgoingIntegrationEvent[]): Promise<void>;

  /**
   * Stores a released reservation that holds nothing, under an id no
   * reservation has; answers false, storing nothing, when one has it (once a
   * concurrent reservation under the id is stored, if one is being made).
   */
  addReleased(reservation: Reservation): Promise<boolean>;
}

/** The reservation's status changed since it was loaded (or it appeared, where none was): load it again and retry. */
export class ReservationStatusConflictError extends VersionConflictError {
  constructor(
    readonly reservationId: string,
    readonly expectedStatus: ReservationStatus | 'absent',
  ) {
    super(`Reservation ${reservationId} is no longer ${expectedStatus}`);
  }
}
