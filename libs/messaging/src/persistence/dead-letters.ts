import type { ContextName, DeadLetterSlice, DeadLetterView, IntegrationEventEnvelope } from '@tessera/contracts';
import type { DataSource } from 'typeorm';
import { isUuid } from '@tessera/shared-kernel';
import { queryRows } from './query-rows';

/** How a failed delivery stands for one subscriber: how often it failed, and whether it is now a dead letter. */
export interface DeliveryFailure {
  attempts: number;
  dead: boolean;
}

/**
 * The deliveries a context failed to process, per event and consumer, in the
 * context's own schema: each failure is counted, and at `maxAttempts` the event
 * becomes a dead letter of that one consumer (payload, attempts, first and last
 * failure, last error), which is then acknowledged so that the events behind it
 * keep flowing. A later success forgets the failures.
 */
export class DeadLetters {
  constructor(
    private readonly schema: string,
    private readonly dataSource: DataSource,
  ) {}

  /** How this event's delivery to `consumer` failed so far, or undefined when it never did. A dead one is parked until an operator replays it. */
  async find(eventId: string, consumer: string): Promise<DeliveryFailure | undefined> {
    const [row] = await queryRows<DeliveryFailure>(
      this.dataSource,
      `SELECT attempts, dead FROM "${this.schema}".dead_letters WHERE event_id = $1 AND consumer = $2`,
      [eventId, consumer],
    );
    return row;
  }

  /** Counts a failure; at `maxAttempts` the event becomes a dead letter. One statement, so that concurrent deliveries count once each. */
  async recordFailure(event: IntegrationEventEnvelope, pattern: string, consumer: string, error: unknown, maxAttempts: number): Promise<DeliveryFailure> {
    const [row] = await queryRows<DeliveryFailure>(
      this.dataSource,
      `INSERT INTO "${this.schema}".dead_letters AS d (event_id, consumer, pattern, payload, attempts, last_error, dead)
       VALUES ($1, $2, $3, $4, 1, $5, 1 >= $6)
       ON CONFLICT (event_id, consumer) DO UPDATE
         SET attempts = d.attempts + 1, last_error = EXCLUDED.last_error, last_failed_at = now(), dead = d.attempts + 1 >= $6
       RETURNING attempts, dead`,
      [event.eventId, consumer, pattern, JSON.stringify(event), describe(error), maxAttempts],
    );
    return row;
  }

  /** A page of the dead letters, newest failure first; `pattern` narrows to one event type. */
  async list(context: ContextName, criteria: { pattern?: string; offset: number; limit: number }): Promise<DeadLetterSlice> {
    const filter = criteria.pattern === undefined ? '' : 'AND pattern = $3';
    const parameters: unknown[] = [criteria.limit, criteria.offset, ...(criteria.pattern === undefined ? [] : [criteria.pattern])];
    const rows = await queryRows<DeadLetterRow>(
      this.dataSource,
      `SELECT id, consumer, pattern, event_id, attempts, last_error, first_failed_at, last_failed_at, payload, count(*) OVER () AS total
         FROM "${this.schema}".dead_letters WHERE dead ${filter}
        ORDER BY last_failed_at DESC, id LIMIT $1 OFFSET $2`,
      parameters,
    );
    const total = rows.length > 0 ? Number(rows[0].total) : await this.count(criteria.pattern);
    return { items: rows.map((row) => viewOf(context, row)), total };
  }

  /**
   * Takes a dead letter out of the dead ones, keeping its attempts, so that it
   * can be delivered again: a failure puts it straight back. Answers what to
   * deliver, or undefined when no dead letter has this id.
   */
  async reopen(id: string): Promise<{ pattern: string; payload: Record<string, unknown>; eventId: string } | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await queryRows<{ pattern: string; payload: Record<string, unknown>; event_id: string }>(
      this.dataSource,
      `UPDATE "${this.schema}".dead_letters SET dead = false WHERE id = $1 AND dead RETURNING pattern, payload, event_id`,
      [id],
    );
    return row && { pattern: row.pattern, payload: row.payload, eventId: row.event_id };
  }

  /** Removes a dead letter for good; answers whether there was one with this id. */
  async discard(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const removed = await queryRows<{ id: string }>(this.dataSource, `DELETE FROM "${this.schema}".dead_letters WHERE id = $1 AND dead RETURNING id`, [id]);
    return removed.length === 1;
  }

  /** How many dead letters the context keeps. */
  countDead(): Promise<number> {
    return this.count();
  }

  private async count(pattern?: string): Promise<number> {
    const [row] = await queryRows<{ total: string }>(
      this.dataSource,
      `SELECT count(*) AS total FROM "${this.schema}".dead_letters WHERE dead ${pattern === undefined ? '' : 'AND pattern = $1'}`,
      pattern === undefined ? [] : [pattern],
    );
    return Number(row.total);
  }

  /** Forgets the failures of a delivery that has now succeeded. */
  async forget(eventId: string, consumer: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM "${this.schema}".dead_letters WHERE event_id = $1 AND consumer = $2 AND NOT dead`, [eventId, consumer]);
  }
}

interface DeadLetterRow {
  id: string;
  consumer: string;
  pattern: string;
  event_id: string;
  attempts: number;
  last_error: string;
  first_failed_at: Date;
  last_failed_at: Date;
  payload: Record<string, unknown>;
  total: string;
}

function viewOf(context: ContextName, row: DeadLetterRow): DeadLetterView {
  return {
    id: row.id,
    context,
    consumer: row.consumer,
    pattern: row.pattern,
    eventId: row.event_id,
    attempts: row.attempts,
    lastError: row.last_error,
    firstFailedAt: new Date(row.first_failed_at).toISOString(),
    lastFailedAt: new Date(row.last_failed_at).toISOString(),
    payload: row.payload,
  };
}

/** What an operator reads about a failure: its message, never a stack, cut to a length a list can show. */
function describe(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, 2000);
}
