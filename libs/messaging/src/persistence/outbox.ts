import { Logger } from '@nestjs/common';
import { INTEGRATION_EVENT_VERSION } from '@tessera/contracts';
import { faultPoint } from '@tessera/shared-kernel';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { currentCorrelationId, runWithCorrelation } from '../correlation/correlation.store';
import { EventNotTakenError } from '../events/event-not-taken.error';
import { subscribersOf } from '../events/event-routes';
import { redeliveryDelayMs, retryAfterMsOf } from '../events/redelivery-delay';
import { IntegrationEventPublisher } from '../integration-event.publisher';
import { currentTraceCarrier, inTraceContext, TraceCarrier } from '../observability/messaging-tracing';
import { PeriodicRound } from '../scheduling/periodic-round';
import { RepeatedFailureLog } from '../scheduling/repeated-failure-log';
import { AtomicStatement } from './atomic-statement';
import { preparedQuery } from './prepared-query';
import { queryRows } from './query-rows';

const BATCH = 100;
const LEASE_SECONDS = outboxLeaseSeconds(process.env);
// How long a flush's published events wait to be marked with those of the flushes that follow: one UPDATE for many
// orders instead of one each, well inside the lease that keeps the relay from taking them meanwhile.
const MARK_BATCH_MS = 100;

/**
 * How long a write or a relay's claim leases an event before another relay
 * may take it over: how long what a killed process held waits. A live
 * publisher renews the lease of the rows it holds every third of it for as
 * long as it publishes them, since a delivery's length has no bound (in-process
 * handlers) and a batch of a hundred remote ones can take minutes; it loses
 * the lease only when it stalls, or cannot reach its database, for two thirds
 * of it. The crash tests shorten it outside production
 * (TESSERA_OUTBOX_LEASE_SECONDS): what a killed process had leased then comes
 * back within a test's reach, through the same takeover as in production.
 */
export function outboxLeaseSeconds(env: NodeJS.ProcessEnv): number {
  const forTests = env.NODE_ENV === 'production' ? NaN : Number(env.TESSERA_OUTBOX_LEASE_SECONDS);
  return Number.isInteger(forTests) && forTests > 0 ? forTests : 15;
}

interface OutboxRow {
  position: string;
  event_id: string;
  pattern: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
  correlation_id: string | null;
  trace_context: TraceCarrier | null;
  attempts: number;
  /** The subscribers that took the event at an earlier try: the next one leaves them out. */
  delivered_to: readonly string[];
}

/** How one try of an event ended: every subscriber it went to took it, or not, to try again after a pause without those that did. */
type TryOutcome = { done: true } | { done: false; takenBy: readonly string[]; retryAfterMs: number };

/**
 * A context's transactional outbox. `add` writes an event in the caller's
 * transaction, so it leaves if and only if the change commits, leased to this
 * process for its lease (LEASE_SECONDS); `flush(committed)` publishes what that
 * transaction wrote right after its commit, from memory, with no claim to
 * make. A timer publishes what is pending: what a crash between commit and
 * publish left behind, once its lease has run out, and what failed. Rows are
 * leased with SKIP LOCKED, so several instances share the work; a lease is
 * renewed while its holder publishes, and taken over once it outlives its
 * publisher, which makes delivery at least once and the consumers' inbox
 * makes it once. A row's `attempts` names its lease holder: every claim
 * raises it, so what a publisher writes of a row it may have lost is matched
 * by the attempts it claimed. An event keeps the correlation id
 * and the trace context of the request that caused it, and is published on
 * that request's behalf and in its trace, whenever and by whomever it is
 * relayed (ADR 0010).
 *
 * A row is one event however many subscribers it has, and is published once
 * every one of them took it. A try that some subscriber did not take writes,
 * with the pause before the next try, the subscribers that did take it
 * (`delivered_to`), and the next try goes to the others only: a subscriber
 * that is down holds up nobody else, and nobody else gets the event again
 * meanwhile (ADR 0018). A try that every subscriber took writes nothing of
 * them: the row is marked published, as ever.
 */
export class Outbox {
  private readonly logger: Logger;
  /** The events each transaction or statement queued that somebody consumes, to publish once it commits. */
  private readonly queued = new WeakMap<EntityManager | AtomicStatement, OutboxRow[]>();
  /** Publications of committed transactions under way, which publishPending waits for too. */
  private readonly publishing = new Set<Promise<void>>();
  /** Events a flush published, waiting to be marked so with those of the flushes that follow. */
  private readonly unmarked: string[] = [];
  /** The batch of marks about to be made, if any; a flush's publication waits for the batch its events are in. */
  private marking?: Promise<void>;
  // A flush during a round runs one more: the running round may have read the table before the new rows committed.
  private readonly rounds: PeriodicRound;
  /** Events a subscriber did not take: while it is away, every try of every pending event fails the same way. */
  private readonly deliveryFailures: RepeatedFailureLog;
  /** Publications of committed transactions: while the database is away, every one fails the same way. */
  private readonly committedPublications: RepeatedFailureLog;

  constructor(
    private readonly schema: string,
    private readonly dataSource: DataSource,
    private readonly publisher: IntegrationEventPublisher,
    private readonly leaseSeconds = LEASE_SECONDS,
  ) {
    this.logger = new Logger(`Outbox(${schema})`);
    this.rounds = new PeriodicRound(() => this.publishAll(), new RepeatedFailureLog(this.logger, 'Publishing pending events'));
    this.deliveryFailures = new RepeatedFailureLog(this.logger, 'Delivering an event');
    this.committedPublications = new RepeatedFailureLog(this.logger, 'Publishing committed events');
  }

  /**
   * Queues an event in the caller's transaction. One that no consumer takes
   * (EVENT_SUBSCRIBERS) is stored as published already: kept for the record,
   * with nothing to relay. One that somebody consumes is stored leased to this
   * process, for its flush to publish without claiming it: killed before that,
   * the relay of this process or another publishes it once the lease is over.
   */
  async add(manager: EntityManager, pattern: string, payload: object): Promise<void> {
    const statement = new AtomicStatement();
    this.addTo(statement, pattern, payload);
    await statement.run(manager, 'SELECT 1');
    this.joinTransaction(statement, manager);
  }

  /**
   * Queues an event as a part of `statement`, stored as `add` stores it, and
   * only if the part `onlyIf` returns a row. Flush the statement once it ran
   * and that part did write: an event that was not stored must not leave.
   */
  addTo(statement: AtomicStatement, pattern: string, payload: object, onlyIf?: string): void {
    const eventId = randomUUID();
    const correlationId = currentCorrelationId() ?? null;
    const traceContext = currentTraceCarrier() ?? null;
    const json = JSON.stringify(payload);
    const occurredAt = new Date();
    const values = [
      statement.param(eventId, 'uuid'),
      statement.param(pattern, 'text'),
      statement.param(json, 'jsonb'),
      statement.param(correlationId, 'text'),
      statement.param(traceContext && JSON.stringify(traceContext), 'jsonb'),
      statement.param(occurredAt, 'timestamptz'),
    ].join(', ');
    if (subscribersOf(pattern).length === 0) {
      statement.with(
        `INSERT INTO "${this.schema}".outbox (event_id, pattern, payload, correlation_id, trace_context, occurred_at, published_at)
         SELECT ${values}, now() WHERE ${AtomicStatement.onlyIf(onlyIf)} RETURNING position`,
      );
      return;
    }
    statement.with(
      `INSERT INTO "${this.schema}".outbox (event_id, pattern, payload, correlation_id, trace_context, occurred_at, claimed_until, attempts)
       SELECT ${values}, now() + interval '${this.leaseSeconds} seconds', 1 WHERE ${AtomicStatement.onlyIf(onlyIf)} RETURNING position`,
    );
    // The payload as the relay would read it back from the table. The position only orders a relay's batch; a flush
    // publishes its rows in the order they were added.
    const row: OutboxRow = {
      position: '0',
      event_id: eventId,
      pattern,
      payload: JSON.parse(json),
      occurred_at: occurredAt,
      correlation_id: correlationId,
      trace_context: traceContext,
      attempts: 1,
      delivered_to: [],
    };
    const queued = this.queued.get(statement);
    if (queued) queued.push(row);
    else this.queued.set(statement, [row]);
  }

  /**
   * Call it after a transaction (or a statement) that added events commits:
   * publishes the events it queued, when somebody consumes them. Without
   * one, publishes whatever is pending now.
   */
  flush(committed?: EntityManager | AtomicStatement): void {
    if (!committed) {
      void this.publishPending();
      return;
    }
    const rows = this.queued.get(committed);
    if (!rows) return;
    this.queued.delete(committed);
    const publication = this.publishRows(rows, 'batched').then(
      () => this.committedPublications.succeeded(),
      (error: unknown) => this.committedPublications.failed(error, 'left to the relay'),
    );
    this.publishing.add(publication);
    void publication.finally(() => this.publishing.delete(publication));
  }

  /** The events of a statement that ran inside `manager`'s transaction become that transaction's, to leave with its flush. */
  joinTransaction(statement: AtomicStatement, manager: EntityManager): void {
    const rows = this.queued.get(statement);
    if (!rows) return;
    this.queued.delete(statement);
    const queued = this.queued.get(manager);
    if (queued) queued.push(...rows);
    else this.queued.set(manager, rows);
  }

  /** How many events wait to be published, and how long the oldest has waited (0 when none does). */
  async backlog(): Promise<{ pending: number; oldestPendingAgeSeconds: number }> {
    const [row] = await preparedQuery<{ pending: number; age: number | null }>(
      this.dataSource,
      `SELECT count(*)::int AS pending, EXTRACT(EPOCH FROM now() - min(occurred_at))::float8 AS age FROM "${this.schema}".outbox WHERE published_at IS NULL`,
      [],
    );
    return { pending: row.pending, oldestPendingAgeSeconds: Math.max(0, row.age ?? 0) };
  }

  /** Publishes what is pending now and every `intervalMs`: what a crash or a failed delivery left behind. */
  start(intervalMs: number): void {
    this.rounds.start(intervalMs);
    this.flush();
  }

  async stop(): Promise<void> {
    await Promise.all([this.rounds.stop(), ...this.publishing]);
  }

  /**
   * Publishes every pending event, one batch after another (concurrent calls
   * share the rounds), and waits for the flushes under way.
   */
  async publishPending(): Promise<void> {
    await Promise.all([this.rounds.run(), ...this.publishing]);
  }

  private async publishAll(): Promise<void> {
    while ((await this.publishBatch()) === BATCH);
  }

  private async publishBatch(): Promise<number> {
    // The lease is taken in a short transaction of its own: publishing happens outside any transaction,
    // because in-process subscribers need the connection (the embedded database has only one).
    const rows = await queryRows<OutboxRow>(
      this.dataSource,
      `UPDATE "${this.schema}".outbox SET claimed_until = now() + interval '${this.leaseSeconds} seconds', attempts = attempts + 1
       WHERE position IN (
         SELECT position FROM "${this.schema}".outbox
         WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY position LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
       RETURNING event_id, pattern, payload, occurred_at, position, correlation_id, trace_context, attempts, delivered_to`,
    );
    rows.sort((a, b) => Number(a.position) - Number(b.position));
    await this.publishRows(rows, 'now');
    return rows.length;
  }

  /**
   * Publishes leased rows in order, keeping their lease meanwhile, then marks
   * each published, or leased until its next try with the subscribers that
   * took it. The relay marks its batch at once, before it takes the next; a
   * flush's marks wait for the flushes that follow, up to MARK_BATCH_MS, to be
   * marked with theirs in one statement. The renewals stop before the marks,
   * which take far less than what is left of the lease after the last one.
   *
   * Killed after a subscriber took an event and before this writes so (a mark,
   * or the subscribers that took a failed try), the row does not list that
   * subscriber: once the lease is over, the relay of a restarted or another
   * process sends it the event again, and its inbox drops it, an inbox row
   * being kept the whole retention (MESSAGING_RETENTION_HOURS, an hour at the
   * least) where the copy comes a lease after the first (the gateway, which
   * keeps no inbox, forgets a cached status twice). That is the only way a
   * subscriber that took an event gets it again from the outbox.
   */
  private async publishRows(rows: readonly OutboxRow[], marking: 'now' | 'batched'): Promise<void> {
    const published: string[] = [];
    const failed: { row: OutboxRow; takenBy: readonly string[]; retryAfterMs: number }[] = [];
    const lease = new KeptLease(
      rows,
      (held) => this.renewLease(held),
      (this.leaseSeconds * 1000) / 3,
      (error) => this.logger.warn(`Renewing the lease of events being published failed, will retry: ${(error as Error)?.message ?? error}`),
    );
    try {
      for (const row of rows) {
        // Another relay took it over while this publisher stalled past its lease: it is that relay's to publish now.
        if (lease.lost(row)) continue;
        const outcome = await runWithCorrelation(row.correlation_id ?? undefined, () => inTraceContext(row.trace_context, () => this.publishRow(row)));
        if (outcome.done) published.push(row.event_id);
        else failed.push({ row, takenBy: outcome.takenBy, retryAfterMs: outcome.retryAfterMs });
      }
    } finally {
      await lease.release();
    }
    // An event tried before got through, and nothing failed beside it: whatever kept events from their subscribers is over.
    if (failed.length === 0 && rows.some((row) => row.attempts > 1 && published.includes(row.event_id))) this.deliveryFailures.succeeded();
    if (published.length > 0) {
      if (marking === 'now') await this.markPublished(published);
      else await this.markPublishedSoon(published);
    }
    // A failed event waits the pause its subscriber asked for, or an exponential, jittered one: a retry right now would
    // most likely fail the same way. Only while this publisher still holds it: a relay that took it over since has its
    // own lease on it, and its own outcome to write. The subscribers that took it did so whoever holds it now, and are
    // added to those the row lists either way (one statement, which reads the list as it stands when it writes).
    for (const { row, takenBy, retryAfterMs } of failed) {
      await this.dataSource.query(
        `UPDATE "${this.schema}".outbox
            SET claimed_until = CASE WHEN attempts = $2 THEN now() + interval '1 millisecond' * $3 ELSE claimed_until END,
                delivered_to = ARRAY(SELECT DISTINCT unnest(delivered_to || $4::text[]))
          WHERE event_id = $1 AND published_at IS NULL`,
        [row.event_id, row.attempts, retryAfterMs, takenBy],
      );
    }
  }

  /** Extends the lease of the rows this publisher still holds; answers the ids of those, the others lost to another relay. */
  private async renewLease(held: readonly OutboxRow[]): Promise<Set<string>> {
    const kept = await queryRows<{ event_id: string }>(
      this.dataSource,
      `UPDATE "${this.schema}".outbox AS o SET claimed_until = now() + interval '${this.leaseSeconds} seconds'
         FROM unnest($1::uuid[], $2::int[]) AS held(event_id, attempts)
        WHERE o.event_id = held.event_id AND o.attempts = held.attempts AND o.published_at IS NULL
        RETURNING o.event_id`,
      [held.map((row) => row.event_id), held.map((row) => row.attempts)],
    );
    return new Set(kept.map((row) => row.event_id));
  }

  private markPublishedSoon(eventIds: readonly string[]): Promise<void> {
    this.unmarked.push(...eventIds);
    const marking = (this.marking ??= new Promise((resolve) => setTimeout(resolve, MARK_BATCH_MS)).then(() => {
      // Events published from now on go into the next batch.
      const batch = this.unmarked.splice(0);
      this.marking = undefined;
      return this.markPublished(batch);
    }));
    return marking;
  }

  private async markPublished(eventIds: readonly string[]): Promise<void> {
    await preparedQuery(this.dataSource, `UPDATE "${this.schema}".outbox SET published_at = now(), claimed_until = NULL WHERE event_id = ANY($1::uuid[])`, [
      eventIds,
    ]);
  }

  /** Publishes one event to the subscribers that have not taken it yet; answers how that ended. */
  private async publishRow(row: OutboxRow): Promise<TryOutcome> {
    const toTake = subscribersOf(row.pattern).filter((subscriber) => !row.delivered_to.includes(subscriber));
    // Each subscriber it has now took it at an earlier try (two relays that each failed another one, a subscriber no
    // longer routed): nothing is left to deliver, only the mark.
    if (toTake.length === 0) return { done: true };
    // Killed here, the event is committed and leased but nobody has it: once its lease has run out,
    // the relay of a restarted or another process publishes it.
    faultPoint(`outbox:before-publish:${row.pattern}`);
    try {
      await this.publisher.publish(
        row.pattern,
        {
          ...row.payload,
          eventId: row.event_id,
          occurredAt: typeof row.payload.occurredAt === 'string' ? row.payload.occurredAt : new Date(row.occurred_at).toISOString(),
          version: INTEGRATION_EVENT_VERSION,
          publication: row.attempts,
        },
        toTake,
      );
      return { done: true };
    } catch (error) {
      this.deliveryFailures.failed(error ?? new Error('delivery failed'), `${row.pattern} ${row.event_id}`);
      return failedTry(error ?? new Error('delivery failed'), row.attempts);
    }
  }
}

/**
 * What a failed try leaves to the next: the subscribers that took the event
 * (none, unless the publisher says which did), and the longest pause one of
 * the others asked for, or an exponential, jittered one for those that asked
 * for none, so that no subscriber gets it again sooner than it asked.
 */
function failedTry(error: unknown, attempts: number): TryOutcome {
  const failures = error instanceof EventNotTakenError ? error.failures.map((failure) => failure.error) : [error];
  const unasked = redeliveryDelayMs(attempts);
  return {
    done: false,
    takenBy: error instanceof EventNotTakenError ? error.taken : [],
    retryAfterMs: Math.max(...failures.map((failure) => retryAfterMsOf(failure) ?? unasked)),
  };
}

/**
 * The lease of the rows one publication holds, renewed every `everyMs` until
 * it is released. A row the renewal no longer finds (another relay claimed it,
 * or published it) is lost for good. No renewal runs for a publication shorter
 * than `everyMs`, as nearly every one is: it costs a timer, not a statement.
 */
class KeptLease {
  private readonly timer: NodeJS.Timeout;
  private readonly lostIds = new Set<string>();
  private renewing?: Promise<void>;

  constructor(
    private readonly rows: readonly OutboxRow[],
    private readonly renew: (held: readonly OutboxRow[]) => Promise<Set<string>>,
    everyMs: number,
    private readonly onFailure: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => {
      this.renewing ??= this.renewOnce().finally(() => (this.renewing = undefined));
    }, everyMs);
    this.timer.unref();
  }

  lost(row: OutboxRow): boolean {
    return this.lostIds.has(row.event_id);
  }

  /** No more renewals; resolves once the one under way, if any, has ended, so that it cannot undo what follows. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const held = this.rows.filter((row) => !this.lostIds.has(row.event_id));
    if (held.length === 0) return;
    try {
      const kept = await this.renew(held);
      for (const row of held) if (!kept.has(row.event_id)) this.lostIds.add(row.event_id);
    } catch (error) {
      this.onFailure(error);
    }
  }
}
