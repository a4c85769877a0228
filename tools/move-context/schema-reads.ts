import type { ContextName } from '@tessera/contracts';
import { withoutPassword as shown } from '@tessera/messaging';
import { Client, type ClientBase } from 'pg';
import { MoveRefusal } from './move-request';

/** A connection of the tool's own to `url`, or a refusal that names which of the two databases it could not reach. */
export async function connected(url: string, which: 'from' | 'into'): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'tessera-move-context' });
  try {
    await client.connect();
    return client;
  } catch (error) {
    throw new MoveRefusal(`cannot connect to the database to move ${which}, ${shown(url)}: ${(error as Error).message}`);
  }
}

/** The schema's tables, by name. */
export async function tablesOf(client: ClientBase, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [schema]);
  return rows.map((row) => row.name);
}

/** The extensions installed in the schema (catalog's pg_trgm). */
export async function extensionsOf(client: ClientBase, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(`SELECT extname AS name FROM pg_extension WHERE extnamespace = $1::regnamespace ORDER BY extname`, [
    schema,
  ]);
  return rows.map((row) => row.name);
}

/** How many connections of a process of the context (its pools' application name) are open on the database. */
export async function connectionsOf(client: ClientBase, context: ContextName): Promise<number> {
  const { rows } = await client.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
    [`tessera-${context}`],
  );
  return rows[0].count;
}

export async function rowsOf(client: ClientBase, schema: string, table: string): Promise<number> {
  const { rows } = await client.query<{ count: string }>(`SELECT count(*) AS count FROM "${schema}"."${table}"`);
  return Number(rows[0].count);
}

/**
 * Refuses a database whose tables of the schema hold a row (but the migrations table, which the migrations fill): a
 * copy into it would collide with them or sit beside them.
 */
export async function refuseRowsIn(client: ClientBase, schema: string, databaseName: string): Promise<void> {
  for (const table of await tablesOf(client, schema)) {
    if (table === 'migrations') continue;
    const { rows } = await client.query(`SELECT 1 FROM "${schema}"."${table}" LIMIT 1`);
    if (rows.length > 0)
      throw new MoveRefusal(`${databaseName} already holds rows in ${schema}.${table}: move into a database whose ${schema} tables are empty`);
  }
}
