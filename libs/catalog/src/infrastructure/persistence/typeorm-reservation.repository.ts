import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Outbox } from '@tessera/messaging';
import { type JoinedTransaction, type OutgoingIntegrationEvent } from '@tessera/shared-kernel';
import { DataSource, EntityManager } from 'typeorm';
import { InsufficientStockError, ProductNotFoundError } from '../../domain/product.errors';
import { Reservation, ReservationLine, type ReservationStatus } from '../../domain/reservation.aggregate';
import { ReservationRepository, ReservationStatusConflictError } from '../../domain/reservation.repository';
import type { ReservationRequest } from '../../domain/reservation-request.value-object';
import { ReservationLineOrmEntity } from './reservation-line.orm-entity';
import { ReservationMapper } from './reservation.mapper';
import { ReservationOrmEntity } from './reservation.orm-entity';

/** A reservation row as commitIfReserved's statement answers it. */
interface CommittedReservationRow {
  reservation_id: string;
  created_at: Date | string;
  updated_at: Date | string;
  expires_at: Date | string;
}

/** A reservation line row, read without TypeORM's hydration. */
interface ReservationLineRow {
  product_id: string;
  sku: string;
  name: string;
  unit_price_amount: string;
  unit_price_currency: string;
  quantity: number | string;
}

/** What a line's stock update answers: the line as stored, named and priced as the product was. */
type TakenLineRow = Omit<ReservationLineRow, 'product_id' | 'quantity'>;

/**
 * Reservations in the catalog schema, through the catalog's own DataSource,
 * with the events of their changes in its outbox. Stock moves only by
 * conditional updates (`stock >= $n` to take, a status guard to give back),
 * so no interleaving of requests and expiry sweepers can oversell or give
 * units back twice.
 */
@Injectable()
export class TypeOrmReservationRepository implements ReservationRepository {
  private held?: EntityManager;

  constructor(
    @InjectDataSource('catalog') private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  within(transaction: JoinedTransaction): ReservationRepository {
    // One embedded connection is shared by the whole process: a query through any other DataSource or manager
    // while the caller's transaction is open would wait for it forever.
    if (!(transaction instanceof EntityManager) || transaction.dataSource !== this.dataSource || !transaction.queryRunner) {
      throw new TypeError('Reservations can only join a transaction of the catalog DataSource');
    }
    const scoped = new TypeOrmReservationRepository(this.dataSource, this.outbox);
    scoped.held = transaction;
    return scoped;
  }

  async findById(id: string): Promise<Reservation | null> {
    // Postgres answers a malformed uuid with an error, not with no row.
    if (!Reservation.isWellFormedId(id)) return null;
    return load(this.held ?? this.dataSource.manager, id);
  }

  async findStatus(id: string): Promise<ReservationStatus | undefined> {
    if (!Reservation.isWellFormedId(id)) return undefined;
    const [row] = await (this.held ?? this.dataSource.manager).query(`SELECT status FROM catalog.reservations WHERE reservation_id = $1`, [id.toLowerCase()]);
    return row?.status;
  }

  async findOverdueIds(now: Date, limit: number): Promise<string[]> {
    // No row lock: it would end with this statement. What keeps two sweepers from expiring one reservation twice is
    // the status guard of save.
    const rows: { reservation_id: string }[] = await (this.held ?? this.dataSource.manager).query(
      `SELECT reservation_id FROM catalog.reservations
        WHERE status = 'RESERVED' AND expires_at <= $1
        ORDER BY expires_at, reservation_id
        LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => row.reservation_id);
  }

  async reserve(request: ReservationRequest): Promise<Reservation> {
    const { reservationId } = request;
    return this.inTransaction(async (manager) => {
      // The id is claimed before any stock is taken: a concurrent reservation under the same id waits on this row,
      // then finds it stored (or, if this one rolls back, makes its own), and so never takes stock twice.
      // The hold counts from the database's clock, as created_at does.
      const claimed: { created_at: Date; expires_at: Date }[] = await manager.query(
        `INSERT INTO catalog.reservations (reservation_id, status, expires_at)
         VALUES ($1, 'RESERVED', now() + make_interval(secs => $2::integer))
         ON CONFLICT (reservation_id) DO NOTHING
         RETURNING created_at, expires_at`,
        [reservationId, request.holdSeconds],
      );
      if (claimed.length === 0) {
        const existing = await load(manager, reservationId);
        if (!existing) throw new Error(`Reservation ${reservationId} conflicted with a reservation that cannot be read`);
        return existing;
      }

      const lines: ReservationLine[] = [];
      // By product id (the request is sorted so), so that concurrent reservations lock the rows they share in the
      // same order and cannot deadlock. Each line takes its units and is stored in one statement, named and priced
      // as the product is now.
      for (const { productId, quantity } of request.lines) {
        const [taken]: TakenLineRow[] = await manager.query(
          `WITH taken AS (
             UPDATE catalog.products
                SET stock = stock - $3, version = version + 1, updated_at = now()
              WHERE id = $2 AND stock >= $3
          RETURNING id, sku, name, price_amount, price_currency)
           INSERT INTO catalog.reservation_lines (reservation_id, product_id, sku, name, unit_price_amount, unit_price_currency, quantity)
           SELECT $1, id, sku, name, price_amount, price_currency, $3 FROM taken
           RETURNING sku, name, unit_price_amount, unit_price_currency`,
          [reservationId, productId, quantity],
        );
        // Thrown inside the transaction, so the lines taken before this one go back with the rollback.
        if (!taken) throw await refusal(manager, productId, quantity);
        lines.push(lineOf({ product_id: productId, quantity, ...taken }));
      }
      const createdAt = new Date(claimed[0].created_at);
      const expiresAt = new Date(claimed[0].expires_at);
      return Reservation.reconstitute({ id: reservationId, status: 'RESERVED', lines, createdAt, updatedAt: createdAt, expiresAt, releasedByExpiry: false });
    });
  }

  async commitIfReserved(id: string, now: Date): Promise<Reservation | null> {
    if (!Reservation.isWellFormedId(id)) return null;
    // One statement where loading, committing and saving would take three and a transaction: the hot path of a payment.
    const rows: (CommittedReservationRow & Partial<ReservationLineRow>)[] = await (this.held ?? this.dataSource.manager).query(
      `WITH committed AS (
         UPDATE catalog.reservations SET status = 'COMMITTED', updated_at = $2
          WHERE reservation_id = $1 AND status = 'RESERVED'
         RETURNING reservation_id, created_at, updated_at, expires_at)
       SELECT c.reservation_id, c.created_at, c.updated_at, c.expires_at,
              l.product_id, l.sku, l.name, l.unit_price_amount, l.unit_price_currency, l.quantity
         FROM committed c LEFT JOIN catalog.reservation_lines l ON l.reservation_id = c.reservation_id
        ORDER BY l.product_id`,
      [id.toLowerCase(), now],
    );
    if (rows.length === 0) return null;
    const [first] = rows;
    return Reservation.reconstitute({
      id: first.reservation_id,
      status: 'COMMITTED',
      lines: rows.filter((row): row is CommittedReservationRow & ReservationLineRow => row.product_id != null).map(lineOf),
      createdAt: new Date(first.created_at),
      updatedAt: new Date(first.updated_at),
      expiresAt: new Date(first.expires_at),
      releasedByExpiry: false,
    });
  }

  async save(reservation: Reservation, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    const committed = await this.inTransaction(async (manager) => {
      const [, affected] = (await manager.query(
        `UPDATE catalog.reservations SET status = $3, updated_at = $4, released_by_expiry = $5 WHERE reservation_id = $1 AND status = $2`,
        [reservation.id, reservation.storedStatus, reservation.status, reservation.updatedAt, reservation.releasedByExpiry],
      )) as [unknown[], number];
      if (affected !== 1) throw new ReservationStatusConflictError(reservation.id, reservation.storedStatus);
      // Only the one save that moved the status gets here, so the units go back once; by product id, as they were taken.
      for (const line of reservation.stockToReturn()) {
        await manager.query(
          `UPDATE catalog.products SET stock = stock + $2, version = version + 1, updated_at = now() WHERE id = $1`,
          [line.productId, line.quantity],
        );
      }
      for (const event of events) await this.outbox.add(manager, event.pattern, event.payload);
      return manager;
    });
    reservation.markStored();
    // Inside a held transaction nothing is committed yet: whoever commits it has its events published (Outbox.flush).
    if (!this.held) this.outbox.flush(committed);
  }

  async addReleased(reservation: Reservation): Promise<boolean> {
    const added: unknown[] = await (this.held ?? this.dataSource.manager).query(
      `INSERT INTO catalog.reservations (reservation_id, status, created_at, updated_at, expires_at, released_by_expiry)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (reservation_id) DO NOTHING
       RETURNING reservation_id`,
      [reservation.id, reservation.status, reservation.createdAt, reservation.updatedAt, reservation.expiresAt, reservation.releasedByExpiry],
    );
    if (added.length === 1) reservation.markStored();
    return added.length === 1;
  }

  private inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.held ? work(this.held) : this.dataSource.transaction(work);
  }
}

async function load(manager: EntityManager, id: string): Promise<Reservation | null> {
  const row = await manager.findOneBy(ReservationOrmEntity, { reservationId: id });
  if (!row) return null;
  const lines = await manager.find(ReservationLineOrmEntity, { where: { reservationId: id }, order: { productId: 'ASC' } });
  return ReservationMapper.toDomain(row, lines);
}

function lineOf(row: ReservationLineRow): ReservationLine {
  return ReservationMapper.lineToDomain({
    productId: row.product_id,
    sku: row.sku,
    name: row.name,
    unitPriceAmount: row.unit_price_amount,
    unitPriceCurrency: row.unit_price_currency,
    quantity: Number(row.quantity),
  });
}

/** Why a line's stock could not be taken: the product is missing, or has fewer units than asked. */
async function refusal(manager: EntityManager, productId: string, requested: number): Promise<Error> {
  const [product]: { sku: string; stock: number }[] = await manager.query('SELECT sku, stock FROM catalog.products WHERE id = $1', [productId]);
  return product ? new InsufficientStockError(productId, product.sku, product.stock, requested) : new ProductNotFoundError(productId);
}
