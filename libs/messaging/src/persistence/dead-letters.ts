import type { IntegrationEventEnvelope } from '@tessera/contracts';
import type { DataSource } from 'typeorm';
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
    const [row] = await queryRows<DeliveryFailure>(this.dataSource, `SELECT attempts, dead FROM "${this.schema}".dead_letters WHERE event_id = $1 AND consumer = $2`, [
      eventId,
      consumer,
    ]);
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

  /** Forgets the failures of a delivery that has now succeeded. */
  async forget(eventId: string, consumer: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM "${this.schema}".dead_letters WHERE event_id = $1 AND consumer = $2 AND NOT dead`, [eventId, consumer]);
  }
}

/** What an operator reads about a failure: its message, never a stack, cut to a length a list can show. */
function describe(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, 2000);
}
