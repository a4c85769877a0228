import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IdempotencyOutcome, IdempotencyStore, Outbox } from '@tessera/messaging';
import { DataSource, EntityManager } from 'typeorm';
import type { OrderPlacement, OrderPlacementRepository, PlacementKey, PlacementStage } from '../../application/order-placements';
import type { Order } from '../../domain/order.aggregate';
import { ORDER_REPOSITORY, type OrderRepository } from '../../domain/order.repository';

interface PlacementRow {
  order_id: string;
  user_id: string;
  lines: { productId: string; quantity: number }[];
  stage: PlacementStage;
  created_at: Date;
  attempts: number;
}

/** The longest a placement that keeps failing waits between two recoveries. */
const MAX_RECOVERY_BACKOFF_SECONDS = 60;

/**
 * Placements in ordering.order_placements, changed only by conditional
 * statements on their stage, each in one transaction with the order and the
 * idempotency key it decides; the order's outbox events go out after commit.
 */
@Injectable()
export class TypeOrmOrderPlacementRepository implements OrderPlacementRepository {
  constructor(
    @InjectDataSource('ordering') private readonly dataSource: DataSource,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    private readonly idempotency: IdempotencyStore,
    private readonly outbox: Outbox,
  ) {}

  async begin(placement: OrderPlacement, recoverAfter: Date, key?: PlacementKey): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      // The key first: a taken key rolls the transaction back before the intent is written.
      if (key && !(await this.idempotency.claim(manager, key.scope, key.request, placement.orderId))) return false;
      await manager.query(
        `INSERT INTO ordering.order_placements (order_id, user_id, lines, stage, created_at, recover_after, attempts)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)`,
        [placement.orderId, placement.userId, JSON.stringify(placement.lines), placement.stage, placement.createdAt, recoverAfter, placement.attempts],
      );
      return true;
    });
  }

  async complete(order: Order, outcome: IdempotencyOutcome): Promise<boolean> {
    let committed: EntityManager | undefined;
    const completed = await this.dataSource.transaction(async (manager) => {
      if (!(await endPlacing(manager, order.id))) return false;
      await this.orders.save(order, manager);
      await this.idempotency.record(order.id, outcome, manager);
      committed = manager;
      return true;
    });
    if (committed) this.outbox.flush(committed);
    return completed;
  }

  async refuse(orderId: string, outcome: IdempotencyOutcome): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await endPlacing(manager, orderId))) return false;
      await this.idempotency.record(orderId, outcome, manager);
      return true;
    });
  }

  async giveUp(orderId: string): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(
      `UPDATE ordering.order_placements SET stage = 'COMPENSATING' WHERE order_id = $1 AND stage = 'PLACING'`,
      [orderId],
    )) as [unknown, number];
    return affected === 1;
  }

  async abandon(orderId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM ordering.order_placements WHERE order_id = $1 AND stage = 'COMPENSATING'`, [orderId]);
      await this.idempotency.forget(orderId, manager);
    });
  }

  async takeDue(now: Date, limit: number): Promise<OrderPlacement[]> {
    const [rows] = (await this.dataSource.query(
      `UPDATE ordering.order_placements
          SET attempts = attempts + 1,
              recover_after = $1::timestamptz + interval '1 second' * LEAST(POWER(2, attempts), ${MAX_RECOVERY_BACKOFF_SECONDS})
        WHERE order_id IN (
          SELECT order_id FROM ordering.order_placements WHERE recover_after <= $1 ORDER BY recover_after LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING order_id, user_id, lines, stage, created_at, attempts`,
      [now, limit],
    )) as [PlacementRow[], number];
    return rows
      .map((row) => ({
        orderId: row.order_id,
        userId: row.user_id,
        lines: row.lines,
        stage: row.stage,
        createdAt: new Date(row.created_at),
        attempts: row.attempts,
      }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }
}

/** Ends a PLACING placement in the caller's transaction; false when it was not PLACING (someone else ended or gave it up). */
async function endPlacing(manager: EntityManager, orderId: string): Promise<boolean> {
  const [, affected] = (await manager.query(`DELETE FROM ordering.order_placements WHERE order_id = $1 AND stage = 'PLACING'`, [orderId])) as [unknown, number];
  return affected === 1;
}
