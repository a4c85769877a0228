/** What runs SQL for a migration: a TypeORM QueryRunner, or a DataSource in a spec. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Builds the index `name` of `schema` as `definition` (what follows `ON`, the table named with its schema) without
 * blocking the writes of a table that may already be large (`CONCURRENTLY`), so that the processes of the version
 * before serve on while a new one migrates. Run it from a migration that runs outside a transaction
 * (`transaction = false`), which `CONCURRENTLY` needs.
 *
 * Killed while it builds, the process leaves the index invalid: Postgres keeps it up to date on every write and never
 * reads it, and the migration is not recorded. The next start finds it invalid, drops it and builds it again.
 */
export async function createIndexConcurrently(runner: SqlRunner, schema: string, name: string, definition: string): Promise<void> {
  const invalid = (await runner.query(
    `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND NOT i.indisvalid`,
    [schema, name],
  )) as unknown[];
  if (invalid.length > 0) await runner.query(`DROP INDEX CONCURRENTLY IF EXISTS "${schema}".${name}`);
  await runner.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${definition}`);
}
