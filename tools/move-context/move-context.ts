import { type ChildProcess, spawn } from 'node:child_process';
import { withoutPassword as shown } from '@tessera/messaging';
import { migrateAndCopy } from './copy-by-migrations';
import { MoveRefusal, type MoveReport, type MoveRequest } from './move-request';
import { connected, connectionsOf, extensionsOf, refuseRowsIn, rowsOf, tablesOf } from './schema-reads';

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
 * what it wrote after the copy would be lost; and when the new database's
 * tables of the schema hold rows. The old schema is left as it was: dropped by
 * hand once the context serves from the new database. Killed at any point, the
 * move leaves the old database as it was and the new one with all of the
 * schema or none of it (one restore transaction); a new one that has it is
 * refused by the next try, and holds a full copy, whose rows the report would
 * have counted. Where the client tools cannot copy it (UnfitClientTools), or
 * the new database has the schema without rows (a copy by migrations stopped
 * before its commit leaves it so), the schema is made by the context's
 * migrations and the rows are copied (migrateAndCopy).
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
    const extensions = await extensionsOf(source, context);
    const reading = {
      reachedBy: { url: from },
      sharedServer: true,
      name: shown(from),
      connection: async () => ({ client: source, release: () => undefined }),
    };
    if ((await tablesOf(target, context)).length > 0) {
      await refuseRowsIn(target, context, shown(to));
      // The schema without rows that a copy by migrations stopped before its commit leaves: the next try completes it.
      const because = `${shown(to)} already has the ${context} schema, with no rows`;
      return { tables: await migrateAndCopy(context, reading, target, to), extensions, copiedRowsBecause: because };
    }
    const common = ['--no-owner', '--no-privileges'];
    try {
      await dumpAndRestore(
        { url: from, args: ['--format=custom', `--schema=${context}`, ...extensions.map((name) => `--extension=${name}`), ...common] },
        { url: to, args: ['--single-transaction', '--exit-on-error', ...common] },
      );
    } catch (error) {
      if (!(error instanceof UnfitClientTools)) throw error;
      // Nothing was restored (one transaction): the new database is as it was, and the copy by migrations starts there.
      return { tables: await migrateAndCopy(context, reading, target, to), extensions, copiedRowsBecause: error.message };
    }
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

/**
 * pg_dump or pg_restore cannot copy this schema here: one is not installed, pg_dump is older than the server it reads
 * (it refuses a newer one), or pg_restore older than the pg_dump that wrote the archive. The schema is then copied by
 * the context's migrations instead (migrateAndCopy), which needs neither.
 */
export class UnfitClientTools extends MoveRefusal {}

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
        child.once('error', (error) => failed(new UnfitClientTools(`${name} could not be run (${error.message})`)));
        child.once('close', (code) => {
          if (code === 0) return done();
          const reason = `${name} failed (exit ${code}): ${said[name].trim()}`;
          failed(TOO_OLD[name].test(said[name]) ? new UnfitClientTools(reason) : new MoveRefusal(reason));
        });
      });
    void Promise.allSettled([ended(dump, 'pg_dump'), ended(restore, 'pg_restore')]).then((outcomes) => {
      const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as MoveRefusal] : []));
      if (failures.length === 0) return resolve();
      // A dump that failed leaves the restore an empty archive, which it fails on too: the dump's reason is the one.
      reject(failures.find((failure) => failure instanceof UnfitClientTools) ?? failures[0]);
    });
  });
}

/** What each tool says when it is older than what it is given to read. */
const TOO_OLD = { pg_dump: /server version mismatch/, pg_restore: /unsupported version .* in file header/ };

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
