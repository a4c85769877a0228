import { DynamicModule, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ContextName } from '@tessera/contracts';
import { DataSource, DataSourceOptions, QueryRunner } from 'typeorm';
import { DatabaseSetting, initializeOnServer } from './database-start';
import { DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS, servingPoolOptions } from './database-timeouts';
import { EmbeddedDatabaseService } from './embedded-database.service';
import { databaseConnectionsGivenUp, GiveUpReason, PoolCounts, reportDatabasePool } from '../metrics/database-metrics';

export interface ContextDatabaseOptions {
  context: ContextName;
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
}

/**
 * A context's own DataSource, named after the context, in the context's own
 * schema, on <CONTEXT>_DATABASE_URL, DATABASE_URL or the embedded database,
 * with its migrations run at start.
 */
export class ContextDatabaseModule {
  static forContext(options: ContextDatabaseOptions): DynamicModule {
    const { context } = options;
    let server: DatabaseSetting | undefined;
    return TypeOrmModule.forRootAsync({
      name: context,
      inject: [ConfigService, EmbeddedDatabaseService],
      useFactory: async (config: ConfigService, embedded: EmbeddedDatabaseService) => {
        // initializeOnServer retries within its budget and says what to fix; the module's own retries would log a stack per try.
        const base = { ...contextDataSourceOptions(options), toRetry: () => false };
        const variable = [`${context.toUpperCase()}_DATABASE_URL`, 'DATABASE_URL'].find((name) => config.get<string>(name));
        if (variable) {
          server = { variable, url: config.get<string>(variable)! };
          const statementTimeoutMs = config.get<number>('DATABASE_STATEMENT_TIMEOUT_MS') ?? DEFAULT_STATEMENT_TIMEOUT_MS;
          const gaveUp = (reason: GiveUpReason) => databaseConnectionsGivenUp.inc({ context, reason });
          const poolSize = config.get<number>('DATABASE_POOL_SIZE') ?? DEFAULT_POOL_SIZE;
          return { ...base, url: server.url, extra: servingPoolOptions(statementTimeoutMs, gaveUp, poolSize) };
        }
        // No named prepared statements on the embedded database: after a failed statement pglite-socket answers one
        // ReadyForQuery too many (electric-sql/pglite#958), the driver drops the connection, and the new connection,
        // on the same PGlite session, would find every statement the old one prepared already there.
        return { ...base, driver: (await embedded.get()).driver(), extra: { preparedStatements: false } };
      },
      dataSourceFactory: async (dataSourceOptions) => {
        if (!server) {
          const embedded = await new DataSource(dataSourceOptions!).initialize();
          await migrateContextSchema(embedded, context, false);
          return embedded;
        }
        // Migrations run on connections of their own, without the serving timeouts (ADR 0021): a migration may build
        // an index for minutes, and waits for another replica's migrations under an advisory lock. The serving pool
        // opens meanwhile, as opening it reads no table.
        const migrating = await initializeOnServer({ ...dataSourceOptions!, entities: [], extra: { max: 2 } } as DataSourceOptions, server);
        const [migrated, serving] = await Promise.allSettled([
          migrateContextSchema(migrating, context, true).finally(() => migrating.destroy()),
          new DataSource(dataSourceOptions!).initialize(),
        ]);
        if (migrated.status === 'fulfilled' && serving.status === 'fulfilled') {
          reportDatabasePool(context, (serving.value.driver as unknown as { master: PoolCounts }).master);
          return serving.value;
        }
        if (serving.status === 'fulfilled') await serving.value.destroy();
        throw migrated.status === 'rejected' ? migrated.reason : (serving as PromiseRejectedResult).reason;
      },
    });
  }
}

/** What every context's DataSource is, wherever its database lives: its schema, entities and migrations, never synchronize. */
export function contextDataSourceOptions(options: ContextDatabaseOptions) {
  return {
    name: options.context,
    type: 'postgres' as const,
    schema: options.context,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    // Tells a context's connections apart in pg_stat_activity, for an operator and for npm run move-context, which
    // refuses to copy a schema that a running process of its context may still write to.
    applicationName: `tessera-${options.context}`,
    synchronize: false,
    migrationsRun: false,
  };
}

/** How often a replica asks again for the lock another replica migrates under. */
const MIGRATION_LOCK_RETRY_MS = 200;

/**
 * Creates the context's schema and runs its pending migrations. On a shared
 * server an advisory lock keeps replicas from migrating at the same time; the
 * embedded database has one process and one connection, so it needs none.
 */
export async function migrateContextSchema(dataSource: DataSource, context: ContextName, sharedServer: boolean): Promise<void> {
  const lock = sharedServer ? dataSource.createQueryRunner() : undefined;
  const lockKey = `tessera.migrations.${context}`;
  try {
    if (lock) await takeMigrationLock(lock, lockKey);
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${context}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) new Logger('Database').log(`${context}: applied ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await lock?.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await lock?.release();
  }
}

/**
 * Takes the advisory lock by asking again until it is free, not by waiting for it in one `pg_advisory_lock`: a
 * statement that waits holds its snapshot all the while, and an index built `CONCURRENTLY` waits for every snapshot
 * older than its own to end. A replica waiting in one statement would wait for the migrating one, which would wait for
 * it, both for good (seen with two monoliths started together). Between two tries this one holds nothing.
 */
async function takeMigrationLock(runner: QueryRunner, key: string): Promise<void> {
  for (;;) {
    const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key])) as { locked: boolean }[];
    if (locked) return;
    await new Promise((resolve) => setTimeout(resolve, MIGRATION_LOCK_RETRY_MS));
  }
}
