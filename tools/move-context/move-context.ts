import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONTEXT_NAMES, type ContextName } from '@tessera/contracts';
import { withoutPassword as shown } from '@tessera/messaging';
import { Client, type ClientBase } from 'pg';

/** Why a move was refused or failed, in one line that says what to do. */
export class MoveRefusal extends Error {}

export interface MoveRequest {
  context: ContextName;
  /**
   * Where the context's schema is now: a database URL (DATABASE_URL, or its own <CONTEXT>_DATABASE_URL), or the
   * folder of an embedded database, as an absolute path (`embedded`).
   */
  from: string;
  embedded: boolean;
  /** The database it is to live in from now on. */
  to: string;
}

export interface MoveReport {
  /** Each table of the schema with its rows, counted alike on both databases once the copy was made. */
  tables: { name: string; rows: number }[];
  extensions: string[];
}

/**
 * The arguments `npm run move-context -- <context> <from> <to-url>` takes, `<from>` a database URL or an embedded
 * database's folder, or why they are refused.
 */
export function moveRequestOf(args: readonly string[]): MoveRequest {
  const [context, from, to] = args;
  if (args.length !== 3 || !context || !from || !to) {
    throw new MoveRefusal('usage: npm run move-context -- <context> <from-database-url or embedded-database-folder> <to-database-url>');
  }
  if (!(CONTEXT_NAMES as readonly string[]).includes(context)) {
    throw new MoveRefusal(`"${context}" is not a context; choose one of ${CONTEXT_NAMES.join(', ')}`);
  }
  if (!isDatabaseUrl(to)) throw new MoveRefusal(`"${shown(to)}" is not a postgres:// URL`);
  if (!isDatabaseUrl(from)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from)) throw new MoveRefusal(`"${shown(from)}" is not a postgres:// URL`);
    const folder = resolve(from);
    // Its version file is what every Postgres data folder has, and what an empty or mistyped folder lacks.
    if (!existsSync(join(folder, 'PG_VERSION')))
      throw new MoveRefusal(`${folder} is not an embedded database's folder (EMBEDDED_DB_DIR), nor is "${from}" a postgres:// URL`);
    return { context: context as ContextName, from: folder, embedded: true, to };
  }
  if (sameDatabase(from, to)) throw new MoveRefusal(`${shown(from)} and ${shown(to)} are the same database`);
  return { context: context as ContextName, from, embedded: false, to };
}

function isDatabaseUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//.test(text);
}

/** A Postgres client tool's run on the database at `url`. */
export interface PgToolRun {
  url: string;
  args: string[];
}

/** Runs pg_dump into pg_restore; rejects with what the failing one wrote. Replaced in the specs. */
export type DumpAndRestore = (dump: PgToolRun, restore: PgToolRun) => Promise<void>;

/**
 * Copies a context's schema, with every row and the extensions it holds, from
 * one database to another, for a context that is to have a database of its
 * own (<CONTEXT>_DATABASE_URL). Nothing else of the context lives outside its
 * schema (ARCHITECTURE.md, rule 3): its tables, its migrations table, its
 * outbox with the events not yet delivered, its inbox, idempotency keys and
 * dead letters all go with it, so the context picks up where it stopped.
 * `pg_dump --schema` alone leaves out an extension installed in the schema
 * (catalog's pg_trgm), and its restore then fails on the index that needs it;
 * here each is named. Refused while a process of the context (its pool's
 * application name, `tessera-<context>`) is connected to the old database, since
 * what it wrote after the copy would be lost; and when the new database already
 * has the schema. The old schema is left as it was: dropped by hand once the
 * context serves from the new database. Killed at any point, the move leaves
 * the old database as it was and the new one with all of the schema or none
 * of it (one restore transaction); a new one that has it is refused by the
 * next try, and holds a full copy, whose rows the report would have counted.
 */
export async function moveContext(request: MoveRequest, dumpAndRestore: DumpAndRestore = pgDumpIntoPgRestore): Promise<MoveReport> {
  const { context, from, to } = request;
  const source = await connected(from, 'from');
  const target = await connected(to, 'into').catch(async (error) => {
    await source.end();
    throw error;
  });
  try {
    const tables = await tablesOf(source, context);
    if (tables.length === 0) throw new MoveRefusal(`${shown(from)} has no ${context} schema with tables: nothing to move`);
    const running = await connectionsOf(source, context);
    if (running > 0) {
      throw new MoveRefusal(
        `${running} connection(s) of tessera-${context} are open on ${shown(from)}: stop every process that hosts ${context} first, or what it writes after the copy is lost`,
      );
    }
    if ((await tablesOf(target, context)).length > 0) {
      throw new MoveRefusal(`${shown(to)} already has a ${context} schema with tables: move into a database without one`);
    }
    const extensions = await extensionsOf(source, context);
    const common = ['--no-owner', '--no-privileges'];
    await dumpAndRestore(
      { url: from, args: ['--format=custom', `--schema=${context}`, ...extensions.map((name) => `--extension=${name}`), ...common] },
      { url: to, args: ['--single-transaction', '--exit-on-error', ...common] },
    );
    const counted: MoveReport['tables'] = [];
    for (const name of tables) {
      const [before, after] = await Promise.all([rowsOf(source, context, name), rowsOf(target, context, name)]);
      if (before !== after) throw new MoveRefusal(`${context}.${name} has ${before} rows on ${shown(from)} and ${after} on ${shown(to)} after the copy`);
      counted.push({ name, rows: after });
    }
    return { tables: counted, extensions };
  } finally {
    await Promise.all([source.end(), target.end()]);
  }
}

export async function connected(url: string, which: 'from' | 'into'): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'tessera-move-context' });
  try {
    await client.connect();
    return client;
  } catch (error) {
    throw new MoveRefusal(`cannot connect to the database to move ${which}, ${shown(url)}: ${(error as Error).message}`);
  }
}

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

async function connectionsOf(client: Client, context: ContextName): Promise<number> {
  const { rows } = await client.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
    [`tessera-${context}`],
  );
  return rows[0].count;
}

async function rowsOf(client: Client, schema: string, table: string): Promise<number> {
  const { rows } = await client.query<{ count: string }>(`SELECT count(*) AS count FROM "${schema}"."${table}"`);
  return Number(rows[0].count);
}

/** Postgres's own tools, which copy what a schema holds (types, sequences, indexes, extensions) as the server has it. */
function pgDumpIntoPgRestore(dumpRun: PgToolRun, restoreRun: PgToolRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const [dumpArgs, dumpEnv] = pgToolInvocation(dumpRun);
    const [restoreArgs, restoreEnv] = pgToolInvocation(restoreRun);
    const dump = spawn('pg_dump', dumpArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: dumpEnv });
    const restore = spawn('pg_restore', restoreArgs, { stdio: ['pipe', 'ignore', 'pipe'], env: restoreEnv });
    const said = { pg_dump: '', pg_restore: '' };
    dump.stderr.on('data', (chunk) => (said.pg_dump += chunk));
    restore.stderr.on('data', (chunk) => (said.pg_restore += chunk));
    dump.stdout.pipe(restore.stdin);
    // A restore that gave up stops reading: the dump's write then fails, and what the restore said is the reason.
    restore.stdin.on('error', () => undefined);
    const ended = (child: ChildProcess, name: keyof typeof said) =>
      new Promise<void>((done, failed) => {
        child.once('error', (error) => failed(new MoveRefusal(`${name} could not be run (${error.message}): install Postgres's client tools`)));
        child.once('close', (code) => (code === 0 ? done() : failed(new MoveRefusal(`${name} failed (exit ${code}): ${said[name].trim()}`))));
      });
    Promise.all([ended(restore, 'pg_restore'), ended(dump, 'pg_dump')]).then(() => resolve(), reject);
  });
}

/**
 * The arguments and environment of a Postgres client tool on the database at `run.url`, its password handed over in
 * PGPASSWORD: on the command line, any user of the machine could read it.
 */
function pgToolInvocation(run: PgToolRun): [string[], NodeJS.ProcessEnv] {
  const url = new URL(run.url);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return [[`--dbname=${url.toString()}`, ...run.args], { ...process.env, ...(password ? { PGPASSWORD: password } : {}) }];
}

function sameDatabase(one: string, other: string): boolean {
  const key = (url: string) => {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  };
  try {
    return key(one) === key(other);
  } catch {
    return one === other;
  }
}
