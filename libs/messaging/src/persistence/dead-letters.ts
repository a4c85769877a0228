import type { ContextName, DeadLetterSlice, DeadLetterView, IntegrationEventEnvelope } from '@tessera/contracts';
import type { DataSource } from 'typeorm';
import { isUuid } from '@tessera/shared-kernel';
import { queryRows } from './query-rows';

/** How a failed delivery stands for one subscriber: how often it failed, and whether it is now a dead letter. */
export interface DeliveryFailure {
  attempts: number;
  dead: boolean;
  /** A dead letter let through by an operator's replay, whose outcome the replay waits for. */
  replayed?: true;
}

/** How long a replay lets its event through its consumer's rule in this process: the publish reaches the rule at once. */
export const REPLAY_PASS_MS = 60_000;

/**
 * The deliveries a context failed to process, per event and consumer, in the
 * context's own schema: each failure is counted, and at `maxAttempts` the event
 * becomes a dead letter of that one consumer (payload, attempts, first and last
 * failure, last error), which is then acknowledged so that the events behind it
 * keep flowing. A later success forgets the failures.
 *
 * A replay never takes a letter out of the dead ones (ADR 0017): it stays dead,
 * listed and counted, until its consumer handles the event (forgotten) or fails
 * it again (dead still, one more attempt). What lets the replayed event through
 * is a pass held in this process's memory, where the replay delivers it, so a
 * process killed at any point of a replay leaves the letter as it was.
 */
export class DeadLetters {
  /** The dead letters this process is replaying, by event and consumer, with when their pass runs out. */
  private readonly replaying = new Map<string, number>();

  constructor(
    private readonly schema: string,
    private readonly dataSource: DataSource,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * How this event's delivery to `consumer` failed so far, or undefined when it never did. A dead one is parked until an
   * operator replays it: while its replay's pass lasts, it is answered as not dead, so that the replayed event runs.
   */
  async find(eventId: string, consumer: string): Promise<DeliveryFailure | undefined> {
    const [row] = await queryRows<DeliveryFailure>(
      this.dataSource,
      `SELECT attempts, dead FROM "${this.schema}".dead_letters WHERE event_id = $1 AND consumer = $2`,
      [eventId, consumer],
    );
    const pass = this.replaying.get(keyOf(eventId, consumer));
    return row?.dead && pass !== undefined && pass > this.now() ? { attempts: row.attempts, dead: false, replayed: true } : row;
  }

  /**
   * Counts a failure; at `maxAttempts` failures of the event's own the event becomes a dead letter, and a replayed one
   * stays dead whatever the limit is now. A failure that was an `outage` of something the handler needed is counted
   * too, for the pause before the next delivery, but not towards the limit (ADR 0020). One statement, so that
   * concurrent deliveries count once each.
   */
  async recordFailure(
    event: IntegrationEventEnvelope,
    pattern: string,
    consumer: string,
    error: unknown,
    maxAttempts: number,
    outage = false,
  ): Promise<DeliveryFailure> {
    this.replaying.delete(keyOf(event.eventId, consumer));
    const [row] = await queryRows<DeliveryFailure>(
      this.dataSource,
      `INSERT INTO "${this.schema}".dead_letters AS d (event_id, consumer, pattern, payload, attempts, outages, last_error, dead)
       VALUES ($1, $2, $3, $4, 1, CASE WHEN $7 THEN 1 ELSE 0 END, $5, NOT $7 AND 1 >= $6)
       ON CONFLICT (event_id, consumer) DO UPDATE
         SET attempts = d.attempts + 1, outages = d.outages + CASE WHEN $7 THEN 1 ELSE 0 END, last_error = EXCLUDED.last_error,
             last_failed_at = now(), dead = d.dead OR (NOT $7 AND d.attempts + 1 - d.outages >= $6)
       RETURNING attempts, dead`,
      [event.eventId, consumer, pattern, JSON.stringify(event), describe(error), maxAttempts, outage],
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
   * Opens a dead letter for a replay by this process: answers what to deliver,
   * or undefined when no dead letter has this id. Nothing is written: the
   * letter stays dead, and its consumer's rule here lets the event through for
   * REPLAY_PASS_MS, until it handles or fails it. A replay whose delivery never
   * reaches that rule (a stopping process) leaves the letter as it was.
   */
  async reopen(id: string): Promise<{ pattern: string; payload: Record<string, unknown>; eventId: string } | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await queryRows<{ pattern: string; payload: Record<string, unknown>; event_id: string; consumer: string }>(
      this.dataSource,
      `SELECT pattern, payload, event_id, consumer FROM "${this.schema}".dead_letters WHERE id = $1 AND dead`,
      [id],
    );
    if (!row) return undefined;
    const now = this.now();
    for (const [key, until] of this.replaying) if (until <= now) this.replaying.delete(key);
    this.replaying.set(keyOf(row.event_id, row.consumer), now + REPLAY_PASS_MS);
    return { pattern: row.pattern, payload: row.payload, eventId: row.event_id };
  }

  /** Removes a dead letter for good; answers whether there was one with this id. */
  async discard(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const removed = await queryRows<{ id: string }>(this.dataSource, `DELETE FROM "${this.schema}".dead_letters WHERE id = $1 AND dead RETURNING id`, [id]);
    return removed.length === 1;
  }

  /**
   * Makes dead again the letters a replay of an earlier version lost: it took a letter out of the dead ones before
   * handing its event on, and one whose delivery failed or was cut short stayed neither dead nor handled, out of every
   * list, its event never delivered again. Such a row has its attempts at the limit, which this version's rows reach
   * only dead; its failures during outages apart, which are not counted towards it. Answers how many it found.
   */
  async restoreLostReplays(maxAttempts: number): Promise<number> {
    const restored = await queryRows<{ id: string }>(
      this.dataSource,
      `UPDATE "${this.schema}".dead_letters SET dead = true WHERE NOT dead AND attempts - outages >= $1 RETURNING id`,
      [maxAttempts],
    );
    return restored.length;
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

  /** Forgets the failures of a delivery that has now succeeded: a dead letter only when it was a replay that succeeded. */
  async forget(eventId: string, consumer: string): Promise<void> {
    // A pass, even one run out since, means find let this very delivery through as a replay.
    const replayed = this.replaying.delete(keyOf(eventId, consumer));
    await this.dataSource.query(`DELETE FROM "${this.schema}".dead_letters WHERE event_id = $1 AND consumer = $2 AND (NOT dead OR $3)`, [
      eventId,
      consumer,
      replayed,
    ]);
  }
}

function keyOf(eventId: string, consumer: string): string {
  return `${eventId}|${consumer}`;
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
