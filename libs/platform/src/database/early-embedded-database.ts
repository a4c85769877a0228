import { resolve } from 'node:path';
import type { EmbeddedPostgres, StartLog } from './embedded-postgres';

/** EMBEDDED_DB_DIR when it is unset; env.schema.ts gives the same default to the configuration. */
export const DEFAULT_EMBEDDED_DB_DIR = '.data/db';

/** What a process hosts, as its instrument.ts knows it before the configuration is read: one context, or the monolith's. */
export type EarlyHosting = { context: string } | 'monolith';

interface EarlyStart {
  /** The folder, resolved, or "memory". */
  dataDir: string;
  started: Promise<EmbeddedPostgres>;
  log: HeldStartLog;
}

// On the process, not in this module: npm run start:dev clears the module cache to restart the app in place, and the
// restarted app must find the database opened for the first one, not open the same folder a second time.
const EARLY_START = Symbol.for('tessera.earlyEmbeddedDatabase');
const processState = globalThis as { [EARLY_START]?: EarlyStart };

/**
 * The embedded database a process opens as its first work (see openEmbeddedDatabaseEarly), when it is sure to use
 * it: it hosts contexts, and no DATABASE_URL that would point one of them at a server is set, even empty. A monolith
 * given CONTEXTS, or any context's URL, is left to the configuration, which may still open it: that only costs the
 * time an early start saves.
 */
export function embeddedDatabaseToOpenEarly(hosting: EarlyHosting, env: NodeJS.ProcessEnv): string | undefined {
  if (hosting === 'monolith' && env.CONTEXTS !== undefined) return undefined;
  const servers =
    hosting === 'monolith'
      ? Object.keys(env).filter((name) => name === 'DATABASE_URL' || name.endsWith('_DATABASE_URL'))
      : ['DATABASE_URL', `${hosting.context.toUpperCase()}_DATABASE_URL`];
  if (servers.some((name) => env[name] !== undefined)) return undefined;
  const dir = env.EMBEDDED_DB_DIR ?? DEFAULT_EMBEDDED_DB_DIR;
  // The configuration refuses an empty one, naming it: nothing is opened before.
  if (dir === '') return undefined;
  return folderOf(dir);
}

/**
 * Starts opening the embedded database before the app's modules load: PGlite loads and opens on a thread of its own
 * (a new folder's initdb in a child process), on the machine's other core, while the main thread spends about half
 * a second loading Nest, Fastify, TypeORM and the contexts. The app's EmbeddedDatabaseService takes it over
 * (takeEarlyEmbeddedDatabase), with what it failed with, if it did: a folder in use is refused as before.
 *
 * Killed right after, the process leaves what a start killed at the same point leaves: its lock, which the next start
 * takes over once this pid is gone, and a folder PGlite recovers from its write-ahead log.
 */
export function openEmbeddedDatabaseEarly(hosting: EarlyHosting, env: NodeJS.ProcessEnv = process.env): void {
  const dataDir = embeddedDatabaseToOpenEarly(hosting, env);
  if (dataDir === undefined || processState[EARLY_START]) return;
  // Loaded here, not imported: instrument.ts imports this file before tracing starts, and pg must load after it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EmbeddedPostgres } = require('./embedded-postgres') as typeof import('./embedded-postgres');
  // Nest's logger is not the app's yet: the lines wait for the app that takes the database over.
  const log = new HeldStartLog();
  const started = EmbeddedPostgres.start(dataDir, { startLog: log });
  // Its failure is the app's to tell, when the app takes it over; one whose configuration was refused first never does.
  started.catch(() => undefined);
  processState[EARLY_START] = { dataDir, started, log };
}

/**
 * The database opened early in `dir` (EMBEDDED_DB_DIR), for the app that asks first, its held lines then written to
 * `log`; undefined when none was, or in another folder.
 */
export function takeEarlyEmbeddedDatabase(dir: string, log: StartLog): Promise<EmbeddedPostgres> | undefined {
  const early = processState[EARLY_START];
  if (!early || early.dataDir !== folderOf(dir)) return undefined;
  processState[EARLY_START] = undefined;
  early.log.sendTo(log);
  return early.started;
}

/**
 * Closes a database opened early that the app did not take over (it opened another folder, or none): a folder this
 * process does not use must not stay locked by it.
 */
export async function closeUnusedEarlyEmbeddedDatabase(log: StartLog): Promise<void> {
  const early = processState[EARLY_START];
  if (!early) return;
  processState[EARLY_START] = undefined;
  const database = await early.started.catch(() => undefined);
  if (!database) return;
  log.warn(`Closed the embedded database opened early in ${early.dataDir}, which the app did not use`);
  await database.stop();
}

function folderOf(dir: string): string {
  return dir === 'memory' ? dir : resolve(dir);
}

/** Lines held until there is a logger to write them to, then written there as they come. */
class HeldStartLog implements StartLog {
  private readonly held: [level: keyof StartLog, message: string][] = [];
  private target?: StartLog;

  log(message: string): void {
    this.write('log', message);
  }

  warn(message: string): void {
    this.write('warn', message);
  }

  sendTo(target: StartLog): void {
    this.target = target;
    for (const [level, message] of this.held.splice(0)) target[level](message);
  }

  private write(level: keyof StartLog, message: string): void {
    if (this.target) this.target[level](message);
    else this.held.push([level, message]);
  }
}
