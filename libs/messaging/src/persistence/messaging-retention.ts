import type { DataSource } from 'typeorm';

/** How many rows one statement removes, so that a purge never holds a table's locks for long. */
const BATCH = 1000;
/** API.md promises that an Idempotency-Key is answered again for at least a day, whatever the retention. */
const IDEMPOTENCY_KEY_MIN_RETENTION_HOURS = 24;

/** What one purge removed, per table. */
export interface PurgedRows {
  outbox: number;
  inbox: number;
  idempotencyKeys: number;
}

/**
 * Keeps a context's messaging tables bounded: published outbox rows, inbox
 * rows and answered idempotency keys older than the retention go (keys at
 * least a day old, however short the retention). An event not published yet
 * (some subscriber has not taken it) is never removed, whatever its age.
 *
 * An inbox row can go while the event is still pending in its publisher's
 * outbox for another subscriber, however long that one stays down: the
 * outbox remembers which subscribers took the event and sends it again to
 * the others only (ADR 0018), so this consumer is not sent it again. It gets
 * an event it processed again only from a publisher killed between the
 * delivery and writing it down, once that lease (seconds) is over, and from a
 * broker that lost its acknowledgement, within minutes: both far inside the
 * retention, unless the publishing context stays down for all of it. Safe
 * with many instances: each statement removes what is old at that moment,
 * and removing twice removes nothing.
 */
export class MessagingRetention {
  constructor(
    private readonly schema: string,
    private readonly dataSource: DataSource,
    private readonly retentionHours: number,
  ) {}

  /** Removes what is older than the retention at `now`, batch after batch; answers how many rows went. */
  async purge(now: Date = new Date()): Promise<PurgedRows> {
    const before = hoursBefore(now, this.retentionHours);
    const keysBefore = hoursBefore(now, Math.max(this.retentionHours, IDEMPOTENCY_KEY_MIN_RETENTION_HOURS));
    const s = `"${this.schema}"`;
    return {
      outbox: await this.inBatches(
        `DELETE FROM ${s}.outbox WHERE position IN (SELECT position FROM ${s}.outbox WHERE published_at < $1 LIMIT ${BATCH})`,
        before,
      ),
      inbox: await this.inBatches(`DELETE FROM ${s}.inbox WHERE ctid IN (SELECT ctid FROM ${s}.inbox WHERE processed_at < $1 LIMIT ${BATCH})`, before),
      idempotencyKeys: await this.inBatches(
        // A key is answered after it is claimed, so `created_at` bounds what can be old enough through its index; `updated_at`
        // is not indexed, so that answering a key stays an update in place.
        `DELETE FROM ${s}.idempotency_keys WHERE ctid IN (SELECT ctid FROM ${s}.idempotency_keys WHERE created_at < $1 AND state = 'DONE' AND updated_at < $1 LIMIT ${BATCH})`,
        keysBefore,
      ),
    };
  }

  private async inBatches(sql: string, before: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const [, count] = (await this.dataSource.query(sql, [before])) as [unknown, number];
      removed += count;
      if (count < BATCH) return removed;
    }
  }
}

function hoursBefore(now: Date, hours: number): Date {
  return new Date(now.getTime() - hours * 3600_000);
}
