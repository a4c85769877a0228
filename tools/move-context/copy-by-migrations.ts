import { CATALOG_MIGRATIONS } from '@tessera/catalog';
import type { ContextName } from '@tessera/contracts';
import { withoutPassword as shown } from '@tessera/messaging';
import { ORDERING_MIGRATIONS } from '@tessera/ordering';
import { PAYMENTS_MIGRATIONS } from '@tessera/payments';
import { contextDataSourceOptions, migrateContextSchema } from '@tessera/platform';
import { USERS_MIGRATIONS } from '@tessera/users';
import type { ClientBase } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MoveRefusal, type MoveReport } from './move-request';
import { refuseRowsIn, tablesOf } from './schema-reads';

const MIGRATIONS: Record<ContextName, (new () => unknown)[]> = {
  users: USERS_MIGRATIONS,
  catalog: CATALOG_MIGRATIONS,
  ordering: ORDERING_MIGRATIONS,
  payments: PAYMENTS_MIGRATIONS,
};

/** Rows sent to the new database in one statement. */
const BATCH_ROWS = 1000;

/** The database a context moves from, as the copy by migrations reaches it. */
export interface MigratedSource {
  /** Where TypeORM finds it to migrate it: its URL, or the embedded database's driver. */
  reachedBy: Pick<DataSourceOptions, 'driver'> | { url: string };
  /** On a shared server, migrations take an advisory lock (as a start does); the embedded database has one process. */
  sharedServer: boolean;
  /** A connection to read it with, and how to give it back: the embedded database has one, which TypeORM borrows too. */
  connection(): Promise<{ client: ClientBase; release(): void }>;
  /** How the refusals name it. */
  name: string;
}

/**
 * Gives a context's schema on `to` the rows it has on the source, made by the context's migrations rather than
 * copied by Postgres's tools: for the embedded database, which pg_dump cannot read, and for a server pg_dump or
 * pg_restore is too old for, or a machine without them. The source is first brought up to date, as the next start
 * of the context would do, and refused when a newer version of Tessera migrated it; then both sides have the same
 * tables, and copyRows fills the new ones.
 *
 * Killed at any point: on the new database each migration committed whole or not at all, and the rows, with the
 * sequences' positions, in one transaction, so it holds the empty schema or the full copy. A next try after an empty
 * schema makes the copy; after a full one it is refused.
 */
export async function migrateAndCopy(context: ContextName, source: MigratedSource, target: ClientBase, to: string): Promise<MoveReport['tables']> {
  const before = await source.connection();
  try {
    if ((await tablesOf(before.client, context)).length === 0) throw new MoveRefusal(`${source.name} has no ${context} schema with tables: nothing to move`);
    const known = new Set(MIGRATIONS[context].map((migration) => migration.name));
    const { rows } = await before.client.query<{ name: string }>(`SELECT name FROM "${context}".migrations ORDER BY id`);
    const unknown = rows.map((row) => row.name).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new MoveRefusal(`${source.name} was migrated by a newer version of Tessera (${unknown.join(', ')}): move it with that version`);
    }
  } finally {
    before.release();
  }
  const options = { ...contextDataSourceOptions({ context, entities: [], migrations: MIGRATIONS[context] }), applicationName: 'tessera-move-context' };
  // Two connections on a server: the migration lock's, and the migrations' (as at a start).
  await migrated(new DataSource({ ...options, ...source.reachedBy, extra: { max: 2 } } as DataSourceOptions), context, source.sharedServer);
  await migrated(new DataSource({ ...options, url: to, extra: { max: 2 } }), context, true);
  const reading = await source.connection();
  try {
    return await copyRows(reading.client, target, context, shown(to));
  } finally {
    reading.release();
  }
}

async function migrated(dataSource: DataSource, context: ContextName, sharedServer: boolean): Promise<void> {
  await dataSource.initialize();
  try {
    await migrateContextSchema(dataSource, context, sharedServer);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Copies every row of the schema's tables (but the migrations', which each side's migrations wrote) from `source` to
 * `target`, where the same migrations made the same tables, and sets the target's sequences where the source's stand;
 * then compares every table's rows on both sides before it commits. Answers each table with its rows.
 */
export async function copyRows(source: ClientBase, target: ClientBase, schema: string, targetName: string): Promise<MoveReport['tables']> {
  // JSON writes a timestamp with the session's offset: both sides write UTC, so that the same row reads the same.
  await source.query(`SET TIME ZONE 'UTC'`);
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await target.query('BEGIN');
  try {
    await target.query(`SET LOCAL TIME ZONE 'UTC'`);
    const tables = await inLoadOrder(target, schema, await tablesOf(target, schema));
    const copied = tables.filter((table) => table !== 'migrations');
    // A process of the context started on the new database meanwhile waits until the copy is done, or is done with.
    await target.query(`LOCK TABLE ${tables.map((table) => `"${schema}"."${table}"`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    await refuseRowsIn(target, schema, targetName);
    for (const table of copied) await copyTable(source, target, schema, table);
    await copySequences(source, target, schema);
    const counted: MoveReport['tables'] = [];
    for (const table of copied) {
      const [before, after] = await Promise.all([fingerprintOf(source, schema, table), fingerprintOf(target, schema, table)]);
      if (before.rows !== after.rows || before.digest !== after.digest) {
        throw new MoveRefusal(
          `${schema}.${table} does not read the same on both databases after the copy (${before.rows} rows and ${after.rows}): nothing was moved`,
        );
      }
      counted.push({ name: table, rows: after.rows });
    }
    await target.query('COMMIT');
    return counted.sort((one, other) => one.name.localeCompare(other.name));
  } catch (error) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await source.query('ROLLBACK').catch(() => undefined);
  }
}

async function copyTable(source: ClientBase, target: ClientBase, schema: string, table: string): Promise<void> {
  const name = `"${schema}"."${table}"`;
  // A generated column takes no value; every other one, identities included, takes the row's own.
  const { rows: columnRows } = await target.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [name],
  );
  const columns = columnRows.map((column) => `"${column.name}"`).join(', ');
  await source.query(`DECLARE copied_rows NO SCROLL CURSOR FOR SELECT to_json(t)::text AS row FROM ${name} t`);
  for (;;) {
    // Read as text, not parsed: JSON.parse would round a bigint or a long numeric to a double.
    const { rows } = await source.query<{ row: string }>(`FETCH ${BATCH_ROWS} FROM copied_rows`);
    if (rows.length === 0) break;
    await target.query(`INSERT INTO ${name} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM json_populate_recordset(NULL::${name}, $1::json)`, [
      `[${rows.map(({ row }) => row).join(',')}]`,
    ]);
  }
  await source.query('CLOSE copied_rows');
}

async function copySequences(source: ClientBase, target: ClientBase, schema: string): Promise<void> {
  const { rows } = await source.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relkind = 'S' AND relnamespace = $1::regnamespace`, [
    schema,
  ]);
  for (const { name } of rows) {
    const sequence = `"${schema}"."${name}"`;
    const [{ last_value, is_called }] = (await source.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${sequence}`)).rows;
    await target.query('SELECT setval($1::regclass, $2::bigint, $3)', [sequence, last_value, is_called]);
  }
}

/** How many rows a table has, and a digest of all of them that does not depend on their order. */
async function fingerprintOf(client: ClientBase, schema: string, table: string): Promise<{ rows: number; digest: string }> {
  const { rows } = await client.query<{ rows: number; digest: string }>(
    `SELECT count(*)::int AS rows, coalesce(md5(string_agg(fingerprint, '' ORDER BY fingerprint)), '') AS digest
       FROM (SELECT md5(to_json(t)::text) AS fingerprint FROM "${schema}"."${table}" t) AS fingerprints`,
  );
  return rows[0];
}

/** The tables in an order that loads a table after every table it refers to. */
async function inLoadOrder(client: ClientBase, schema: string, tables: string[]): Promise<string[]> {
  const { rows } = await client.query<{ child: string; parent: string }>(
    `SELECT child.relname AS child, parent.relname AS parent
       FROM pg_constraint c JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
      WHERE c.contype = 'f' AND c.connamespace = $1::regnamespace AND c.conrelid <> c.confrelid`,
    [schema],
  );
  const ordered: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const { parent } of rows.filter((reference) => reference.child === table)) visit(parent, path);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}
