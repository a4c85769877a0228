import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Outbox } from '@tessera/messaging';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { toIntegrationEvent } from '../../application/order-integration-events';
import { Order, OrderSnapshot } from '../../domain/order.aggregate';
import type { OrderDomainEvent } from '../../domain/order-domain-events';
import { isUuid } from '../../domain/order-id';
import { OrderCriteria, OrderRepository, OrderSlice, OrderVersionConflictError } from '../../domain/order.repository';
import { OrderEventOrmEntity } from './order-event.orm-entity';
import { OrderMapper } from './order.mapper';
import { OrderOrmEntity } from './order.orm-entity';
import type { EventPublication, JoinedTransaction } from '@tessera/shared-kernel';

/**
 * Orders in the ordering schema: the stream in ordering.order_events, the
 * projection in ordering.orders, the integration events in ordering.outbox,
 * all written in one transaction. Every write is guarded by the version the
 * order was loaded at: the stream's primary key refuses a second event of one
 * version, and the projection is updated only over the version it had.
 */
@Injectable()
export class TypeOrmOrderRepository implements OrderRepository {
  constructor(
    @InjectDataSource('ordering') private readonly dataSource: DataSource,
    @InjectRepository(OrderOrmEntity, 'ordering') private readonly rows: Repository<OrderOrmEntity>,
    private readonly outbox: Outbox,
  ) {}

  async load(orderId: string, transaction?: JoinedTransaction): Promise<Order | null> {
    // Postgres answers a malformed uuid with an error, not with no row.
    if (!isUuid(orderId)) return null;
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
    if (transaction) {
      await this.append(asManager(transaction), order, events);
      order.markStored();
      return;
    }
    const committed = await this.dataSource.transaction(async (manager) => {
      await this.append(manager, order, events);
      return manager;
    });
    order.markStored();
    if (publication === 'on-commit') this.outbox.flush(committed);
    else publication.hold(() => this.outbox.flush(committed));
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

  private async append(manager: EntityManager, order: Order, events: readonly OrderDomainEvent[]): Promise<void> {
    const loadedVersion = order.storedVersion;
    if (events[0].version !== loadedVersion + 1) throw new RangeError(`Order ${order.id}'s new events do not follow version ${loadedVersion}`);
    const runner = manager.queryRunner;
    if (!runner) throw new TypeError('An order is saved inside a transaction');

    for (const event of events) {
      const row = OrderMapper.toEventRow(event);
      // A writer that appended this version first wins; the other finds no row inserted and loses its transaction.
      const inserted = await runner.query(
        `INSERT INTO ordering.order_events (order_id, version, type, data, occurred_at) VALUES ($1, $2, $3, $4::jsonb, $5)
         ON CONFLICT (order_id, version) DO NOTHING`,
        [row.orderId, row.version, row.type, JSON.stringify(row.data), row.occurredAt],
        true,
      );
      if (inserted.affected !== 1) throw new OrderVersionConflictError(order.id, loadedVersion);
    }

    const row = OrderMapper.toRow(order.toSnapshot());
    if (loadedVersion === 0) {
      await runner.query(
        `INSERT INTO ordering.orders (id, user_id, status, items, total_amount, total_currency, payment_id, expires_at, cancellation_reason,
                                      created_at, updated_at, version)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          row.id,
          row.userId,
          row.status,
          JSON.stringify(row.items),
          row.totalAmount,
          row.totalCurrency,
          row.paymentId,
          row.expiresAt,
          row.cancellationReason,
          row.createdAt,
          row.updatedAt,
          row.version,
        ],
      );
    } else {
      // Lines, total and expiry are fixed when the order is placed; only its state moves on.
      const updated = await runner.query(
        `UPDATE ordering.orders SET status = $3, payment_id = $4, cancellation_reason = $5, updated_at = $6, version = $7
          WHERE id = $1 AND version = $2`,
        [row.id, loadedVersion, row.status, row.paymentId, row.cancellationReason, row.updatedAt, row.version],
        true,
      );
      if (updated.affected !== 1) throw new OrderVersionConflictError(order.id, loadedVersion);
    }

    for (const event of events) {
      const { pattern, payload } = toIntegrationEvent(event);
      await this.outbox.add(manager, pattern, payload);
    }
  }
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
  const [row]: OrderOrmEntity[] = await manager.query(
    `SELECT id, user_id AS "userId", status, items, total_amount AS "totalAmount", total_currency AS "totalCurrency",
            payment_id AS "paymentId", expires_at AS "expiresAt", cancellation_reason AS "cancellationReason",
            created_at AS "createdAt", updated_at AS "updatedAt", version
       FROM ordering.orders WHERE id = $1`,
    [orderId.toLowerCase()],
  );
  return row ? OrderMapper.toSnapshot(row) : null;
}
