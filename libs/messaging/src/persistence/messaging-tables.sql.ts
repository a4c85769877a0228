import { createIndexConcurrently, type SqlRunner } from './concurrent-index';

/**
 * The tables every context that publishes or consumes events keeps in its own
 * schema: the outbox (events written in the transaction of the change), the
 * inbox (events already processed, per consumer) and the idempotency keys of
 * its client-facing writes. Run each statement in the context's migration.
 */
export function messagingTablesSql(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `CREATE TABLE ${s}.outbox (
      position bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      pattern text NOT NULL,
      payload jsonb NOT NULL,
      occurred_at timestamptz NOT NULL DEFAULT now(),
      claimed_until timestamptz,
      published_at timestamptz,
      attempts integer NOT NULL DEFAULT 0
    )`,
    `CREATE INDEX outbox_unpublished ON ${s}.outbox (position) WHERE published_at IS NULL`,
    `CREATE TABLE ${s}.inbox (
      event_id uuid NOT NULL,
      consumer text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (event_id, consumer)
    )`,
    `CREATE TABLE ${s}.idempotency_keys (
      user_id uuid NOT NULL,
      key text NOT NULL,
      operation text NOT NULL,
      request_hash text NOT NULL,
      state text NOT NULL CHECK (state IN ('RUNNING', 'DONE')),
      outcome jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, operation, key)
    )`,
  ];
}

/** What came after the first release: the correlation id an event keeps from the request that caused it. Run it in a later migration. */
export function messagingTablesUpgradeSql(schema: string): string[] {
  return [`ALTER TABLE "${schema}".outbox ADD COLUMN IF NOT EXISTS correlation_id text`];
}

/**
 * What came later still: the W3C trace context an event keeps from the span
 * that wrote it, so that its publication joins that trace however late and
 * by whichever instance it is relayed. Run it in a later migration.
 */
export function outboxTraceContextSql(schema: string): string[] {
  return [`ALTER TABLE "${schema}".outbox ADD COLUMN IF NOT EXISTS trace_context jsonb`];
}

/**
 * What came later still: the subscribers that took an event at a try that
 * some other subscriber did not take, so that the next try goes to the others
 * only (see Outbox). A row without them, as every row written before, was
 * taken by nobody yet. Run it in a later migration.
 */
export function outboxDeliveredToSql(schema: string): string[] {
  return [`ALTER TABLE "${schema}".outbox ADD COLUMN IF NOT EXISTS delivered_to text[] NOT NULL DEFAULT '{}'`];
}

/**
 * Binds each idempotency key to the resource its request works on, so that the
 * key's outcome commits with that resource's change. Keys left RUNNING by the
 * earlier store belong to requests long gone, which that store let run again
 * after a minute: they go, so that a retry runs. Run it in a later migration.
 */
export function idempotencyResourceSql(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `ALTER TABLE ${s}.idempotency_keys ADD COLUMN IF NOT EXISTS resource_id uuid`,
    `DELETE FROM ${s}.idempotency_keys WHERE state = 'RUNNING'`,
    `CREATE INDEX IF NOT EXISTS idempotency_keys_resource_id ON ${s}.idempotency_keys (resource_id)`,
  ];
}

/**
 * The deliveries a context failed to process, per event and consumer, and
 * the dead letters among them (see DeadLetters). Run it in a later migration.
 */
export function deadLettersSql(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.dead_letters (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      event_id uuid NOT NULL,
      consumer text NOT NULL,
      pattern text NOT NULL,
      payload jsonb NOT NULL,
      attempts integer NOT NULL,
      last_error text NOT NULL,
      first_failed_at timestamptz NOT NULL DEFAULT now(),
      last_failed_at timestamptz NOT NULL DEFAULT now(),
      dead boolean NOT NULL DEFAULT false,
      UNIQUE (event_id, consumer)
    )`,
    `CREATE INDEX IF NOT EXISTS dead_letters_dead ON ${s}.dead_letters (last_failed_at DESC) WHERE dead`,
  ];
}

/**
 * Counts apart the failures of a delivery that were an outage of something its handler needed (another context
 * unreachable, its own database away), which never make a dead letter (ADR 0020). Run it in a later migration.
 */
export function deadLetterOutagesSql(schema: string): string[] {
  return [`ALTER TABLE "${schema}".dead_letters ADD COLUMN IF NOT EXISTS outages integer NOT NULL DEFAULT 0`];
}

/**
 * The indexes the retention purge (MessagingRetention) finds old rows by, so that each purge reads what it removes
 * instead of every row of the three tables. Each indexes a time its row gets once: an outbox row's publication
 * (published rows only), an inbox row's processing, a key's claim; a key's answer (`updated_at`) is left out so that
 * answering it stays an update in place.
 */
const RETENTION_INDEXES = [
  { name: 'outbox_published_at', on: 'outbox (published_at) WHERE published_at IS NOT NULL' },
  { name: 'inbox_processed_at', on: 'inbox (processed_at)' },
  { name: 'idempotency_keys_created_at', on: 'idempotency_keys (created_at)' },
];

/** The retention indexes, for a migration that creates the messaging tables in the same transaction. */
export function retentionIndexesSql(schema: string): string[] {
  return RETENTION_INDEXES.map(({ name, on }) => `CREATE INDEX IF NOT EXISTS ${name} ON "${schema}".${on}`);
}

/**
 * The retention indexes for tables that may already hold millions of rows, built without blocking their writes, and
 * built again where a start killed meanwhile left one invalid (createIndexConcurrently).
 */
export async function createRetentionIndexesConcurrently(runner: SqlRunner, schema: string): Promise<void> {
  for (const { name, on } of RETENTION_INDEXES) await createIndexConcurrently(runner, schema, name, `"${schema}".${on}`);
}

/** Drops the retention indexes again (a migration's `down`). */
export function dropRetentionIndexesSql(schema: string): string[] {
  return RETENTION_INDEXES.map(({ name }) => `DROP INDEX IF EXISTS "${schema}".${name}`);
}
