import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { AtomicStatement, Outbox, preparedQuery } from '@tessera/messaging';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { toIntegrationEvent } from '../../application/order-integration-events';
import { Order, OrderSnapshot } from '../../domain/order.aggregate';
import type { OrderDomainEvent } from '../../domain/order-domain-events';
import { isUuid } from '../../domain/order-id';
import { OrderCriteria, OrderRepository, OrderSlice, OrderVersionConflictError } from '../../domain/order.repository';
import { OrderEventOrmEntity } from './order-event.orm-entity';
import { OrderMapper } from './order.mapper';
import { OrderOrmEntity } from './order.orm-entity';
import { StoredOrdersAwaitingPayment } from './stored-orders-awaiting-payment';
import type { EventPublication, JoinedTransaction } from '@tessera/shared-kernel';

/**
 * Orders in the ordering schema: the stream in ordering.order_events, the
 * projection in ordering.orders, the integration events in ordering.outbox,
 * all written in one transaction. Every write is guarded by the version the
 * order was loaded at: the stream's primary key refuses a second event of one
 * version, and the projection is updated only over the version it had. An
 * order this process stored awaiting payment loads as it was stored, without
 * a read (StoredOrdersAwaitingPayment).
 */
@Injectable()
export class TypeOrmOrderRepository implements OrderRepository {
  constructor(
    @InjectDataSource('ordering') private readonly dataSource: DataSource,
    @InjectRepository(OrderOrmEntity, 'ordering') private readonly rows: Repository<OrderOrmEntity>,
    private readonly outbox: Outbox,
    private readonly awaitingPayment: StoredOrdersAwaitingPayment,
  ) {}

  async load(orderId: string, transaction?: JoinedTransaction): Promise<Order | null> {
    // Postgres answers a malformed uuid with an error, not with no row.
    if (!isUuid(orderId)) return null;
    // A change inside another's transaction reads what that transaction sees.
    const stored = transaction ? undefined : this.awaitingPayment.find(orderId);
    if (stored) return Order.fromSnapshot(stored);
    const snapshot = await findProjection(transaction ? asManager(transaction) : this.dataSource.manager, orderId);
    return snapshot ? Order.fromSnapshot(snapshot) : null;
  }

  async loadHistory(orderId: string): Promise<Order | null> {
    if (!isUuid(orderId)) return null;
    const events = await this.dataSource.manager.find(OrderEventOrmEntity, { where: { orderId: orderId.toLowerCase() }, order: { version: 'ASC' } });
    return events.length > 0 ? Order.fromHistory(events.map((row) => OrderMapper.toEvent(row))) : null;
  }

  async save(order: Order, transaction?: JoinedTransaction, publication: EventPublication = 'on-commit'): Promise<void> {
    const events = order.pullEvents();
    if (events.length === 0) return;
    const statement = new AtomicStatement();
    const stored = appendOrder(statement, this.outbox, order, events);
    // Until this write is known to have committed, the order is read; a conflict means another process changed it.
    this.awaitingPayment.forget(order.id);
    const [{ written }] = await statement.run<{ written: number }>(
      transaction ? asManager(transaction) : this.dataSource,
      `SELECT count(*)::int AS written FROM ${stored}`,
    );
    if (written !== 1) throw new OrderVersionConflictError(order.id, order.storedVersion);
    order.markStored();
    if (transaction) {
      // Whether the joined transaction commits is its owner's to know: the order stays forgotten.
      this.outbox.joinTransaction(statement, asManager(transaction));
      return;
    }
    this.awaitingPayment.stored(order.toSnapshot());
    if (publication === 'on-commit') this.outbox.flush(statement);
    else publication.hold(() => this.outbox.flush(statement));
  }

  async findSnapshot(orderId: string): Promise<OrderSnapshot | null> {
    if (!isUuid(orderId)) return null;
    return findProjection(this.dataSource.manager, orderId);
  }

  async list({ userId, offset, limit }: OrderCriteria): Promise<OrderSlice> {
    if (userId !== undefined && !isUuid(userId)) return { items: [], total: 0 };
    const [rows, total] = await this.rows.findAndCount({
      where: userId === undefined ? {} : { userId: userId.toLowerCase() },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: offset,
      take: limit,
    });
    return { items: rows.map((row) => OrderMapper.toSnapshot(row)), total };
  }

  async findDueForExpiry(now: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM ordering.orders WHERE status = 'AWAITING_PAYMENT' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => row.id);
  }
}

/**
 * Adds to `statement` what storing the order's new events writes: the
 * projection (inserted for a new order, updated over the version it was
 * loaded at otherwise), the events appended to its stream and their
 * integration events in the outbox, all of it `onlyIf` that part returned a
 * row. Answers the projection's part: no row means nothing was written, as
 * another writer stored a version first (or `onlyIf` found nothing).
 * Should the stream hold the version already, its primary key refuses the
 * whole statement.
 */
export function appendOrder(statement: AtomicStatement, outbox: Outbox, order: Order, events: readonly OrderDomainEvent[], onlyIf?: string): string {
  const loadedVersion = order.storedVersion;
  if (events[0].version !== loadedVersion + 1) throw new RangeError(`Order ${order.id}'s new events do not follow version ${loadedVersion}`);
  const row = OrderMapper.toRow(order.toSnapshot());
  const p = (value: unknown, type: string) => statement.param(value, type);
  const projection =
    loadedVersion === 0
      ? statement.with(
          `INSERT INTO ordering.orders (id, user_id, status, items, total_amount, total_currency, payment_id, expires_at, cancellation_reason,
                                        created_at, updated_at, version)
           SELECT ${p(row.id, 'uuid')}, ${p(row.userId, 'uuid')}, ${p(row.status, 'text')}, ${p(JSON.stringify(row.items), 'jsonb')},
                  ${p(row.totalAmount, 'bigint')}, ${p(row.totalCurrency, 'text')}, ${p(row.paymentId, 'text')}, ${p(row.expiresAt, 'timestamptz')},
                  ${p(row.cancellationReason, 'text')}, ${p(row.createdAt, 'timestamptz')}, ${p(row.updatedAt, 'timestamptz')}, ${p(row.version, 'integer')}
            WHERE ${AtomicStatement.onlyIf(onlyIf)}
           RETURNING id`,
        )
      : // Lines, total and expiry are fixed when the order is placed; only its state moves on.
        statement.with(
          `UPDATE ordering.orders SET status = ${p(row.status, 'text')}, payment_id = ${p(row.paymentId, 'text')},
                  cancellation_reason = ${p(row.cancellationReason, 'text')}, updated_at = ${p(row.updatedAt, 'timestamptz')}, version = ${p(row.version, 'integer')}
            WHERE id = ${p(row.id, 'uuid')} AND version = ${p(loadedVersion, 'integer')} AND ${AtomicStatement.onlyIf(onlyIf)}
           RETURNING id`,
        );
  const stream = events.map((event) => {
    const { version, type, data, occurredAt } = OrderMapper.toEventRow(event);
    return { version, type, data, occurred_at: occurredAt };
  });
  statement.with(
    `INSERT INTO ordering.order_events (order_id, version, type, data, occurred_at)
     SELECT stored.id, event.version, event.type, event.data, event.occurred_at
       FROM ${projection} stored, jsonb_to_recordset(${p(JSON.stringify(stream), 'jsonb')}) AS event(version integer, type text, data jsonb, occurred_at timestamptz)
     RETURNING version`,
  );
  for (const event of events) {
    const { pattern, payload } = toIntegrationEvent(event);
    outbox.addTo(statement, pattern, payload, projection);
  }
  return projection;
}

function asManager(transaction: JoinedTransaction): EntityManager {
  const manager = transaction as EntityManager;
  if (!manager.queryRunner) throw new TypeError('An order repository joins only the EntityManager of an open transaction');
  return manager;
}

/**
 * The order's projection row, by plain SQL: TypeORM would build the SELECT
 * anew on every call only to hydrate it, and an order is read on every step
 * of its flow.
 */
async function findProjection(manager: EntityManager, orderId: string): Promise<OrderSnapshot | null> {
  const [row] = await preparedQuery<OrderOrmEntity>(
    manager,
    `SELECT id, user_id AS "userId", status, items, total_amount AS "totalAmount", total_currency AS "totalCurrency",
            payment_id AS "paymentId", expires_at AS "expiresAt", cancellation_reason AS "cancellationReason",
            created_at AS "createdAt", updated_at AS "updatedAt", version
       FROM ordering.orders WHERE id = $1`,
    [orderId.toLowerCase()],
  );
  return row ? OrderMapper.toSnapshot(row) : null;
}
