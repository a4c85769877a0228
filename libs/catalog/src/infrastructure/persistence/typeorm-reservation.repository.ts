import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AtomicStatement, Outbox, preparedQuery } from '@tessera/messaging';
import { fromStoredRow } from '@tessera/platform';
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

/** A wanted line as the reservation's statement answers it: what its product had, and the line stored if the reservation was made. */
interface WantedLineRow extends Partial<ReservationLineRow> {
  wanted_product_id: string;
  wanted_quantity: number;
  current_sku: string | null;
  available: number | null;
  created_at: Date | string | null;
  expires_at: Date | string | null;
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
    const [row] = await preparedQuery<{ status: ReservationStatus }>(
      this.held ?? this.dataSource,
      `SELECT status FROM catalog.reservations WHERE reservation_id = $1`,
      [id.toLowerCase()],
    );
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

  /**
   * One statement, so all or nothing, and one that never fails on a refusal
   * (an error would cost the embedded database its connection):
   * 1. unless the id is taken already, the products are locked by id (the
   *    request is sorted so), so that concurrent reservations lock the rows
   *    they share in the same order and cannot deadlock, and read as they are
   *    now that nobody else can change them. A repeat of a reservation locks
   *    nothing: a release of that reservation under way holds its row and
   *    then takes its products, and a repeat that took the products first and
   *    then waited on the row would deadlock with it;
   * 2. only if every line's product exists and has the units, the id is
   *    claimed: a concurrent reservation under it waits on the products, then
   *    finds the id taken and takes nothing;
   * 3. only if the id was claimed, each line takes its units and is stored,
   *    named and priced as the product is now.
   * Every wanted line comes back with what its product had, so that a refusal
   * names the first line that could not be had. A request whose id was
   * reserved before is answered that reservation, whatever stock is left.
   */
  async reserve(request: ReservationRequest): Promise<Reservation> {
    const { reservationId } = request;
    const statement = new AtomicStatement();
    const id = statement.param(reservationId, 'uuid');
    const wanted = statement.with(
      `SELECT product_id, quantity FROM jsonb_to_recordset(${statement.param(JSON.stringify(request.lines.map(({ productId, quantity }) => ({ product_id: productId, quantity }))), 'jsonb')})
           AS line(product_id uuid, quantity integer)`,
    );
    const locked = statement.with(
      `SELECT product.id, product.sku, product.stock, line.quantity
         FROM catalog.products product JOIN ${wanted} line ON line.product_id = product.id
        WHERE NOT EXISTS (SELECT 1 FROM catalog.reservations WHERE reservation_id = ${id})
        ORDER BY product.id FOR UPDATE OF product`,
    );
    // The hold counts from the database's clock, as created_at does.
    const claimed = statement.with(
      `INSERT INTO catalog.reservations (reservation_id, status, expires_at)
       SELECT ${id}, 'RESERVED', now() + make_interval(secs => ${statement.param(request.holdSeconds, 'integer')})
        WHERE (SELECT count(*) FROM ${locked} WHERE stock >= quantity) = (SELECT count(*) FROM ${wanted})
       ON CONFLICT (reservation_id) DO NOTHING
       RETURNING created_at, expires_at`,
    );
    // From the stock as locked, not as the UPDATE reads it: a release committed while this statement waited on the
    // lock is in the locked row, and Postgres checks products_stock_not_negative on the UPDATE's first read, the
    // statement's older one, before it finds the newer row; taking from that read failed on a shelf refilled meanwhile.
    const taken = statement.with(
      `UPDATE catalog.products product
          SET stock = locked.stock - locked.quantity, version = product.version + 1, updated_at = now()
         FROM ${locked} locked
        WHERE product.id = locked.id AND ${AtomicStatement.onlyIf(claimed)}
    RETURNING product.id, product.sku, product.name, product.price_amount, product.price_currency, locked.quantity`,
    );
    const lines = statement.with(
      `INSERT INTO catalog.reservation_lines (reservation_id, product_id, sku, name, unit_price_amount, unit_price_currency, quantity)
       SELECT ${id}, id, sku, name, price_amount, price_currency, quantity FROM ${taken}
       RETURNING product_id, sku, name, unit_price_amount, unit_price_currency, quantity`,
    );
    const rows = await statement.run<WantedLineRow>(
      this.held ?? this.dataSource,
      `SELECT line.product_id AS wanted_product_id, line.quantity AS wanted_quantity, locked.sku AS current_sku, locked.stock AS available,
              claimed.created_at, claimed.expires_at, stored.product_id, stored.sku, stored.name, stored.unit_price_amount, stored.unit_price_currency, stored.quantity
         FROM ${wanted} line
         LEFT JOIN ${locked} locked ON locked.id = line.product_id
         LEFT JOIN ${lines} stored ON stored.product_id = line.product_id
         LEFT JOIN ${claimed} claimed ON true
        ORDER BY line.product_id`,
    );
    const [first] = rows;
    if (first?.created_at) {
      const createdAt = new Date(first.created_at);
      return Reservation.reconstitute({
        id: reservationId,
        status: 'RESERVED',
        lines: rows.map((row) => lineOf(row as ReservationLineRow)),
        createdAt,
        updatedAt: createdAt,
        expiresAt: new Date(first.expires_at!),
        releasedByExpiry: false,
      });
    }
    // Not claimed: either the id is taken, and that reservation, made by an earlier or concurrent request, answers
    // whatever stock is left now (it may be the one that took the last units: a placement retried after a crash must
    // find it, not INSUFFICIENT_STOCK); or a line could not be had. Read only on this path.
    const existing = await load(this.held ?? this.dataSource.manager, reservationId);
    if (existing) return existing;
    const refused = refusalOf(rows);
    if (refused) throw refused;
    throw new Error(`Reservation ${reservationId} was neither made nor found, though every line could be had`);
  }

  async commitIfReserved(id: string, now: Date): Promise<Reservation | null> {
    if (!Reservation.isWellFormedId(id)) return null;
    // One statement where loading, committing and saving would take three and a transaction: the hot path of a payment.
    const rows = await preparedQuery<CommittedReservationRow & Partial<ReservationLineRow>>(
      this.held ?? this.dataSource,
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
        await manager.query(`UPDATE catalog.products SET stock = stock + $2, version = version + 1, updated_at = now() WHERE id = $1`, [
          line.productId,
          line.quantity,
        ]);
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

/** A line as the reservation's statement wrote it, its price read from the product's row. */
function lineOf(row: ReservationLineRow): ReservationLine {
  return fromStoredRow(`catalog.products ${row.product_id}`, () =>
    ReservationMapper.lineToDomain({
      productId: row.product_id,
      sku: row.sku,
      name: row.name,
      unitPriceAmount: row.unit_price_amount,
      unitPriceCurrency: row.unit_price_currency,
      quantity: Number(row.quantity),
    }),
  );
}

/** Why a reservation could not be made: the first line, by product id, whose product is missing or lacks the units; undefined when none. */
function refusalOf(rows: readonly WantedLineRow[]): Error | undefined {
  for (const row of rows) {
    if (row.available === null) return new ProductNotFoundError(row.wanted_product_id);
    if (row.available < row.wanted_quantity)
      return new InsufficientStockError(row.wanted_product_id, row.current_sku!, row.available, row.wanted_quantity, 'reserve');
  }
  return undefined;
}
