import { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../../test/harness/postgres';
import {
  deadLettersSql,
  idempotencyResourceSql,
  messagingTablesSql,
  messagingTablesUpgradeSql,
  outboxTraceContextSql,
} from '../persistence/messaging-tables.sql';

/**
 * A new database on the test Postgres holding a context's messaging tables in `schema` as its migrations leave them
 * (outbox, inbox, idempotency keys, dead letters), for the specs of their SQL; `drop` closes it and removes it.
 */
export async function createMessagingTestDatabase(schema: string): Promise<{ dataSource: DataSource; drop: () => Promise<void> }> {
  const database = await createTestDatabase();
  const dataSource = await new DataSource({ type: 'postgres', url: database.url, extra: { max: 8 } }).initialize();
  await dataSource.query(`CREATE SCHEMA ${schema}`);
  for (const sql of [
    ...messagingTablesSql(schema),
    ...messagingTablesUpgradeSql(schema),
    ...outboxTraceContextSql(schema),
    ...idempotencyResourceSql(schema),
    ...deadLettersSql(schema),
  ])
    await dataSource.query(sql);
  return {
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
