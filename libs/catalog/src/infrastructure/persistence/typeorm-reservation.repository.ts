import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AtomicStatement, Outbox } from '@tessera/messaging';
import { type JoinedTransaction, type OutgoingIntegrationEvent } from '@tessera/shared-kernel';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { InsufficientStockError, ProductNotFoundError } from '../../domain/product.errors';
import { Reservation, ReservationLine, type ReservationStatus } from '../../domain/reservation.aggregate';
import { ReservationRepository, ReservationStatusConflictError } from '../../domain/reservation.repository';
import type { ReservationRequest } from '../../domain/reservation-request.value-object';
import { ReservationLineOrmEntity } from './reservation-line.orm-entity';
import { ReservationMapper } from './reservation.mapper';
import { ReservationOrmEntity } from './reservation.orm-entity';

/** How often a reservation is tried when its refusal cannot be told: the stock it lacked came back meanwhile. */
const MAX_RESERVE_ATTEMPTS = 3;
const CHECK_VIOLATION = '23514';
const NOT_NULL_VIOLATION = '23502';
/** The constraint that keeps a product's stock from going below zero. */
const STOCK_NOT_NEGATIVE = 'products_stock_not_negative';

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
    if (this.held) throw new TypeError('A reservation is made in a statement of its own, never inside a held transaction');
    // A refusal is found out after the statement failed; if the stock it lacked came back meanwhile, it is tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.reserveInOneStatement(request);
      } catch (error) {
        if (!isShortOfStock(error)) throw error;
        const refused = await refusal(this.dataSource.manager, request);
        if (refused || attempt === MAX_RESERVE_ATTEMPTS) throw refused ?? error;
      }
    }
  }

  /**
   * The reservation's id claimed, each line's units taken and the lines
   * stored, in one statement, so all or nothing. The id is claimed first: a
   * concurrent reservation under it waits on that row, then finds it stored
   * (or, if this one failed, makes its own), and so never takes stock twice.
   * The products are locked by id (the request is sorted so), so that
   * concurrent reservations lock the rows they share in the same order and
   * cannot deadlock. A line whose product lacks the units (its stock would go
   * below zero, which a constraint refuses) or does not exist (its line would
   * have no sku, which a constraint refuses) fails the whole statement.
   */
  private async reserveInOneStatement(request: ReservationRequest): Promise<Reservation> {
    const { reservationId } = request;
    const statement = new AtomicStatement();
    const id = statement.param(reservationId, 'uuid');
    const wanted = statement.with(
      `SELECT product_id, quantity FROM jsonb_to_recordset(${statement.param(JSON.stringify(request.lines.map(({ productId, quantity }) => ({ product_id: productId, quantity }))), 'jsonb')})
           AS line(product_id uuid, quantity integer)`,
    );
    // The hold counts from the database's clock, as created_at does.
    const claimed = statement.with(
      `INSERT INTO catalog.reservations (reservation_id, status, expires_at)
       VALUES (${id}, 'RESERVED', now() + make_interval(secs => ${statement.param(request.holdSeconds, 'integer')}))
       ON CONFLICT (reservation_id) DO NOTHING
       RETURNING created_at, expires_at`,
    );
    const locked = statement.with(
      `SELECT id FROM catalog.products WHERE id IN (SELECT product_id FROM ${wanted}) AND ${AtomicStatement.onlyIf(claimed)} ORDER BY id FOR UPDATE`,
    );
    const taken = statement.with(
      `UPDATE catalog.products product
          SET stock = product.stock - line.quantity, version = product.version + 1, updated_at = now()
         FROM ${wanted} line, ${locked} locked
        WHERE product.id = line.product_id AND locked.id = product.id
    RETURNING product.id, product.sku, product.name, product.price_amount, product.price_currency`,
    );
    const lines = statement.with(
      `INSERT INTO catalog.reservation_lines (reservation_id, product_id, sku, name, unit_price_amount, unit_price_currency, quantity)
       SELECT ${id}, line.product_id, taken.sku, taken.name, taken.price_amount, taken.price_currency, line.quantity
         FROM ${wanted} line LEFT JOIN ${taken} taken ON taken.id = line.product_id
        WHERE ${AtomicStatement.onlyIf(claimed)}
       RETURNING product_id, sku, name, unit_price_amount, unit_price_currency, quantity`,
    );
    const rows: ({ created_at: Date | string; expires_at: Date | string } & Partial<ReservationLineRow>)[] = await statement.run(
      this.dataSource,
      `SELECT claimed.created_at, claimed.expires_at, line.* FROM ${claimed} claimed LEFT JOIN ${lines} line ON true ORDER BY line.product_id`,
    );
    if (rows.length === 0) {
      const existing = await load(this.dataSource.manager, reservationId);
      if (!existing) throw new Error(`Reservation ${reservationId} conflicted with a reservation that cannot be read`);
      return existing;
    }
    const createdAt = new Date(rows[0].created_at);
    const expiresAt = new Date(rows[0].expires_at);
    return Reservation.reconstitute({
      id: reservationId,
      status: 'RESERVED',
      lines: rows.filter((row): row is typeof row & ReservationLineRow => row.product_id != null).map(lineOf),
      createdAt,
      updatedAt: createdAt,
      expiresAt,
      releasedByExpiry: false,
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

/** Whether a reservation's statement failed because a line's product lacked the units or did not exist. */
function isShortOfStock(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const { code, constraint, table } = (error.driverError ?? {}) as { code?: string; constraint?: string; table?: string };
  return (code === CHECK_VIOLATION && constraint === STOCK_NOT_NEGATIVE) || (code === NOT_NULL_VIOLATION && table === 'reservation_lines');
}

/**
 * Why a reservation could not be made: the first line, by product id, whose
 * product is missing or has fewer units than asked; undefined when every
 * line could be had now.
 */
async function refusal(manager: EntityManager, request: ReservationRequest): Promise<Error | undefined> {
  const products: { id: string; sku: string; stock: number }[] = await manager.query('SELECT id, sku, stock FROM catalog.products WHERE id = ANY($1::uuid[])', [
    request.lines.map((line) => line.productId),
  ]);
  for (const { productId, quantity } of request.lines) {
    const product = products.find((candidate) => candidate.id === productId);
    if (!product) return new ProductNotFoundError(productId);
    if (product.stock < quantity) return new InsufficientStockError(productId, product.sku, product.stock, quantity);
  }
  return undefined;
}
