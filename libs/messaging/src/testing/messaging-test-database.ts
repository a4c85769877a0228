import { DataSource } from 'typeorm';
import { startEmbeddedTestDatabase } from '../../../../test/harness/embedded-database';
import { createTestDatabase, realPostgresWanted } from '../../../../test/harness/postgres';
import {
  deadLetterOutagesSql,
  deadLettersSql,
  idempotencyResourceSql,
  messagingTablesSql,
  messagingTablesUpgradeSql,
  outboxDeliveredToSql,
  outboxTraceContextSql,
  retentionIndexesSql,
} from '../persistence/messaging-tables.sql';

/** Where a context's database lives: the embedded one every run has, or a real server. */
export type MessagingTestDatabaseKind = 'embedded' | 'postgres';

/** The databases a spec of the messaging SQL runs on: the embedded one always, and the test Postgres when this run wants it. */
export function messagingTestDatabases(): MessagingTestDatabaseKind[] {
  return realPostgresWanted() ? ['embedded', 'postgres'] : ['embedded'];
}

/**
 * A new database holding a context's messaging tables in `schema` as its migrations leave them (outbox, inbox,
 * idempotency keys, dead letters), for the specs of their SQL: on the test Postgres unless `kind` says embedded; `drop`
 * closes it and removes it.
 */
export async function createMessagingTestDatabase(
  schema: string,
  kind: MessagingTestDatabaseKind = 'postgres',
): Promise<{ dataSource: DataSource; drop: () => Promise<void> }> {
  const { dataSource, drop } = kind === 'embedded' ? await startEmbeddedTestDatabase() : await onPostgres();
  await dataSource.query(`CREATE SCHEMA ${schema}`);
  for (const sql of [
    ...messagingTablesSql(schema),
    ...messagingTablesUpgradeSql(schema),
    ...outboxTraceContextSql(schema),
    ...idempotencyResourceSql(schema),
    ...deadLettersSql(schema),
    ...deadLetterOutagesSql(schema),
    ...outboxDeliveredToSql(schema),
    ...retentionIndexesSql(schema),
  ])
    await dataSource.query(sql);
  return { dataSource, drop };
}

async function onPostgres(): Promise<{ dataSource: DataSource; drop: () => Promise<void> }> {
  const database = await createTestDatabase();
  const dataSource = await new DataSource({ type: 'postgres', url: database.url, extra: { max: 8 } }).initialize();
  return {
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
