import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AtomicStatement, IdempotencyOutcome, IdempotencyStore, Outbox } from '@tessera/messaging';
import { DataSource } from 'typeorm';
import { appendOrder } from './typeorm-order.repository';
import { StoredOrdersAwaitingPayment } from './stored-orders-awaiting-payment';
import type { OrderPlacement, OrderPlacementRepository, PlacementKey, PlacementStage, PlacementStart } from '../../application/order-placements';
import type { Order } from '../../domain/order.aggregate';

interface PlacementRow {
  order_id: string;
  user_id: string;
  lines: { productId: string; quantity: number }[];
  stage: PlacementStage;
  created_at: Date;
  attempts: number;
  payment_timeout_seconds: number | null;
}

/** The longest a placement that keeps failing waits between two recoveries. */
const MAX_RECOVERY_BACKOFF_SECONDS = 60;

/**
 * Placements in ordering.order_placements, changed only by conditional
 * statements on their stage, each one statement (AtomicStatement) with the
 * order and the idempotency key it decides; the order's outbox events go out
 * once it has run.
 */
@Injectable()
export class TypeOrmOrderPlacementRepository implements OrderPlacementRepository {
  constructor(
    @InjectDataSource('ordering') private readonly dataSource: DataSource,
    private readonly idempotency: IdempotencyStore,
    private readonly outbox: Outbox,
    private readonly awaitingPayment: StoredOrdersAwaitingPayment,
  ) {}

  async begin(placement: OrderPlacement, recoverAfter: Date, key?: PlacementKey): Promise<PlacementStart> {
    const statement = new AtomicStatement();
    const p = (value: unknown, type: string) => statement.param(value, type);
    const customer = statement.with(`SELECT active FROM ordering.customers WHERE user_id = ${p(placement.userId, 'uuid')}`);
    const mayOrder = `EXISTS (SELECT 1 FROM ${customer} WHERE active)`;
    // With a key, the intent is written only if the key was new: a taken key leaves both as they are.
    const claimed = key && this.idempotency.claimIn(statement, key.scope, key.request, placement.orderId, mayOrder);
    const intent = statement.with(
      `INSERT INTO ordering.order_placements (order_id, user_id, lines, stage, created_at, recover_after, attempts, payment_timeout_seconds)
       SELECT ${p(placement.orderId, 'uuid')}, ${p(placement.userId, 'uuid')}, ${p(JSON.stringify(placement.lines), 'jsonb')}, ${p(placement.stage, 'text')},
              ${p(placement.createdAt, 'timestamptz')}, ${p(recoverAfter, 'timestamptz')}, ${p(placement.attempts, 'integer')},
              ${p(placement.paymentTimeoutSeconds ?? null, 'integer')}
        WHERE ${mayOrder} AND ${AtomicStatement.onlyIf(claimed)}
       RETURNING order_id`,
    );
    const [{ stored, active }] = await statement.run<{ stored: number; active: boolean | null }>(
      this.dataSource,
      `SELECT (SELECT count(*)::int FROM ${intent}) AS stored, (SELECT active FROM ${customer}) AS active`,
    );
    if (stored === 1) return 'begun';
    if (active === null) return 'customer-unknown';
    return active ? 'key-taken' : 'customer-inactive';
  }

  async complete(order: Order, outcome: IdempotencyOutcome): Promise<boolean> {
    const events = order.pullEvents();
    const statement = new AtomicStatement();
    const ended = endPlacing(statement, order.id);
    const stored = appendOrder(statement, this.outbox, order, events, ended);
    this.idempotency.recordIn(statement, order.id, outcome, stored);
    const [{ written }] = await statement.run<{ written: number }>(this.dataSource, `SELECT count(*)::int AS written FROM ${stored}`);
    if (written !== 1) return false;
    order.markStored();
    // Its payment's confirmation follows in milliseconds, and loads it from here (TypeOrmOrderRepository).
    this.awaitingPayment.stored(order.toSnapshot());
    this.outbox.flush(statement);
    return true;
  }

  async refuse(orderId: string, outcome: IdempotencyOutcome): Promise<boolean> {
    const statement = new AtomicStatement();
    const ended = endPlacing(statement, orderId);
    this.idempotency.recordIn(statement, orderId, outcome, ended);
    const [{ refused }] = await statement.run<{ refused: number }>(this.dataSource, `SELECT count(*)::int AS refused FROM ${ended}`);
    return refused === 1;
  }

  async giveUp(orderId: string, options: { forgetKey?: boolean } = {}): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, affected] = (await manager.query(`UPDATE ordering.order_placements SET stage = 'COMPENSATING' WHERE order_id = $1 AND stage = 'PLACING'`, [
        orderId,
      ])) as [unknown, number];
      if (affected === 1 && options.forgetKey) await this.idempotency.forget(orderId, manager);
      return affected === 1;
    });
  }

  async abandon(orderId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM ordering.order_placements WHERE order_id = $1 AND stage = 'COMPENSATING'`, [orderId]);
      await this.idempotency.forget(orderId, manager);
    });
  }

  async takeNextDue(now: Date, leaseMs: number): Promise<OrderPlacement | undefined> {
    // The lease covers the caller's work; the backoff, from the attempts before this one, spaces the retries of one
    // that keeps failing. Not one after the other: a taker killed mid-work would have the next instance wait for both.
    const [rows] = (await this.dataSource.query(
      `UPDATE ordering.order_placements
          SET attempts = attempts + 1,
              recover_after = $1::timestamptz + GREATEST(interval '1 millisecond' * $2::double precision, interval '1 second' * LEAST(POWER(2, attempts), ${MAX_RECOVERY_BACKOFF_SECONDS}))
        WHERE order_id = (
          SELECT order_id FROM ordering.order_placements WHERE recover_after <= $1 ORDER BY recover_after LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING order_id, user_id, lines, stage, created_at, attempts, payment_timeout_seconds`,
      [now, leaseMs],
    )) as [PlacementRow[], number];
    const [row] = rows;
    if (!row) return undefined;
    return {
      orderId: row.order_id,
      userId: row.user_id,
      lines: row.lines,
      stage: row.stage,
      createdAt: new Date(row.created_at),
      attempts: row.attempts,
      ...(row.payment_timeout_seconds === null ? {} : { paymentTimeoutSeconds: row.payment_timeout_seconds }),
    };
  }
}

/** Adds to `statement` the end of a PLACING placement, and answers its part: no row when it was not PLACING (someone else ended or gave it up). */
function endPlacing(statement: AtomicStatement, orderId: string): string {
  return statement.with(`DELETE FROM ordering.order_placements WHERE order_id = ${statement.param(orderId, 'uuid')} AND stage = 'PLACING' RETURNING order_id`);
}
