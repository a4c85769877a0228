import { randomBytes } from 'node:crypto';
import { ContextDatabaseOptions, contextDataSourceOptions, migrateContextSchema } from '@tessera/platform';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/**
 * The real Postgres the suites also run on: with CI=true, or when
 * TEST_POSTGRES_URL is set. There a missing server is a failure, not a skip.
 */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function realPostgresWanted(): boolean {
  return process.env.CI === 'true' || !!process.env.TEST_POSTGRES_URL;
}

/** A fresh database for one topology, dropped by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`Postgres is required for this run (CI=true or TEST_POSTGRES_URL) but ${POSTGRES_ADMIN_URL} refused: ${(error as Error).message}`, {
      cause: error,
    });
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * A fresh database holding one context's schema, migrated exactly as the
 * context is at start, for specs of its SQL; `drop` closes and removes it.
 */
export async function createMigratedContextDatabase(options: ContextDatabaseOptions): Promise<{ dataSource: DataSource; drop: () => Promise<void> }> {
  const database = await createTestDatabase();
  const dataSource = await new DataSource({ ...contextDataSourceOptions(options), url: database.url, extra: { max: 10 } }).initialize();
  await migrateContextSchema(dataSource, options.context, true);
  return {
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
