import { Logger } from '@nestjs/common';
import { INTEGRATION_EVENT_VERSION } from '@tessera/contracts';
import { faultPoint } from '@tessera/shared-kernel';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { currentCorrelationId, runWithCorrelation } from '../correlation/correlation.store';
import { subscribersOf } from '../events/event-routes';
import { redeliveryDelayMs, retryAfterMsOf } from '../events/redelivery-delay';
import { IntegrationEventPublisher } from '../integration-event.publisher';
import { PeriodicRound } from '../scheduling/periodic-round';
import { queryRows } from './query-rows';

const BATCH = 100;
// Longer than a batch takes to publish (remote deliveries time out after 5 s), so a live relay never loses its lease.
const LEASE_SECONDS = 15;

interface OutboxRow {
  position: string;
  event_id: string;
  pattern: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
  correlation_id: string | null;
  attempts: number;
}

/**
 * A context's transactional outbox. `add` writes an event in the caller's
 * transaction, so it leaves if and only if the change commits; `flush` (after
 * commit) and a timer publish what is pending, including what a crash between
 * commit and publish left behind. Rows are leased with SKIP LOCKED, so several
 * instances share the work; a lease that outlives its publisher is taken over,
 * which makes delivery at least once and the consumers' inbox makes it once.
 * An event keeps the correlation id of the request that caused it, and is
 * published on that request's behalf, whenever and by whomever it is relayed.
 */
export class Outbox {
  private readonly logger: Logger;
  /** The transactions that queued an event somebody consumes: only their commits need a flush. */
  private readonly queuedDeliveries = new WeakSet<EntityManager>();
  // A flush during a round runs one more: the running round may have read the table before the new rows committed.
  private readonly rounds = new PeriodicRound(
    () => this.publishAll(),
    (error) => this.logger.warn(`Publishing pending events failed, will retry: ${(error as Error).message}`),
  );

  constructor(
    private readonly schema: string,
    private readonly dataSource: DataSource,
    private readonly publisher: IntegrationEventPublisher,
  ) {
    this.logger = new Logger(`Outbox(${schema})`);
  }

  /**
   * Queues an event in the caller's transaction. One that no consumer takes
   * (EVENT_SUBSCRIBERS) is stored as published already: kept for the record,
   * with nothing to relay.
   */
  async add(manager: EntityManager, pattern: string, payload: object): Promise<void> {
    const delivered = subscribersOf(pattern).length > 0;
    await manager.query(
      `INSERT INTO "${this.schema}".outbox (event_id, pattern, payload, correlation_id, published_at) VALUES ($1, $2, $3, $4, ${delivered ? 'NULL' : 'now()'})`,
      [randomUUID(), pattern, JSON.stringify(payload), currentCorrelationId() ?? null],
    );
    if (delivered) this.queuedDeliveries.add(manager);
  }

  /**
   * Publishes what is pending now; call it after the transaction that added
   * events commits. Given that transaction, only when it queued an event
   * somebody consumes.
   */
  flush(committed?: EntityManager): void {
    if (committed && !this.queuedDeliveries.has(committed)) return;
    void this.publishPending();
  }

  /** Publishes what is pending now and every `intervalMs`: what a crash or a failed delivery left behind. */
  start(intervalMs: number): void {
    this.rounds.start(intervalMs);
    this.flush();
  }

  async stop(): Promise<void> {
    await this.rounds.stop();
  }

  /** Publishes every pending event, one batch after another; concurrent calls share the rounds. */
  publishPending(): Promise<void> {
    return this.rounds.run();
  }

  private async publishAll(): Promise<void> {
    while ((await this.publishBatch()) === BATCH);
  }

  private async publishBatch(): Promise<number> {
    // The lease is taken in a short transaction of its own: publishing happens outside any transaction,
    // because in-process subscribers need the connection (the embedded database has only one).
    const rows = await queryRows<OutboxRow>(
      this.dataSource,
      `UPDATE "${this.schema}".outbox SET claimed_until = now() + interval '${LEASE_SECONDS} seconds', attempts = attempts + 1
       WHERE position IN (
         SELECT position FROM "${this.schema}".outbox
         WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY position LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
       RETURNING event_id, pattern, payload, occurred_at, position, correlation_id, attempts`,
    );
    rows.sort((a, b) => Number(a.position) - Number(b.position));
    const published: string[] = [];
    const failed: { eventId: string; retryAfterMs: number }[] = [];
    for (const row of rows) {
      const failure = await runWithCorrelation(row.correlation_id ?? undefined, () => this.publishRow(row));
      if (failure === undefined) published.push(row.event_id);
      else failed.push({ eventId: row.event_id, retryAfterMs: retryAfterMsOf(failure) ?? redeliveryDelayMs(row.attempts) });
    }
    if (published.length > 0) {
      await this.dataSource.query(`UPDATE "${this.schema}".outbox SET published_at = now(), claimed_until = NULL WHERE event_id = ANY($1::uuid[])`, [published]);
    }
    // A failed event waits the pause its subscriber asked for, or an exponential, jittered one: a retry right now would
    // most likely fail the same way.
    for (const { eventId, retryAfterMs } of failed) {
      await this.dataSource.query(`UPDATE "${this.schema}".outbox SET claimed_until = now() + interval '1 millisecond' * $2 WHERE event_id = $1`, [eventId, retryAfterMs]);
    }
    return rows.length;
  }

  /** Publishes one event; answers why it failed, or undefined once delivered. */
  private async publishRow(row: OutboxRow): Promise<unknown> {
    // Killed here, the event is committed and leased but nobody has it: once the lease (LEASE_SECONDS) has run out,
    // the relay of a restarted or another process publishes it.
    faultPoint(`outbox:before-publish:${row.pattern}`);
    try {
      await this.publisher.publish(row.pattern, {
        ...row.payload,
        eventId: row.event_id,
        occurredAt: typeof row.payload.occurredAt === 'string' ? row.payload.occurredAt : new Date(row.occurred_at).toISOString(),
        version: INTEGRATION_EVENT_VERSION,
      });
      return undefined;
    } catch (error) {
      this.logger.warn(`Event ${row.pattern} ${row.event_id} not delivered yet: ${(error as Error)?.message ?? JSON.stringify(error)}`);
      return error ?? new Error('delivery failed');
    }
  }
}
