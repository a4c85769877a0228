import { Logger } from '@nestjs/common';
// Not the package's index: an early start (early-embedded-database.ts) loads this file before the app's modules.
import { ConfigurationError, DependencyUnavailableError } from '@tessera/messaging/start-refusal';
import { accessSync, chmodSync, constants, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as pg from 'pg';
import { EmbeddedDatabaseLock } from './embedded-database.lock';
import { newSocketFolder, removeSocketFolder } from './socket-folder';
import type { EmbeddedPostgresWorkerData, EmbeddedPostgresWorkerEvent, EmbeddedPostgresWorkerRequest } from './embedded-postgres.worker';
import { isOwnImage, type NewCluster } from './fresh-cluster';

const SOCKET_PORT = 5432;

/**
 * How long the database's thread may answer nothing before the process takes it as stuck: PGlite runs a statement
 * synchronously on it, so a long statement silences it too, and no statement of this project comes near a minute on
 * the data a laptop holds.
 */
export const EMBEDDED_DATABASE_STUCK_AFTER_MS = 60_000;
/** How long a stop waits for the database to close before it stops the thread anyway. */
const STOP_WAIT_MS = 15_000;

export interface EmbeddedPostgresOptions {
  stuckAfterMs: number;
  /** What to do once the thread is stuck; by default the process ends, saying why (an error nobody catches). */
  onStuck: (error: Error) => void;
  stopWaitMs: number;
  /** Where start() says what it found or made; an early start holds the lines until the app's logger is there. */
  startLog: StartLog;
}

/** The lines start() writes: a new database made, a copy of the fresh cluster replaced, a folder left open to others. */
export interface StartLog {
  log(message: string): void;
  warn(message: string): void;
}

const DEFAULT_OPTIONS: EmbeddedPostgresOptions = {
  stuckAfterMs: EMBEDDED_DATABASE_STUCK_AFTER_MS,
  onStuck: (error) => {
    throw error;
  },
  stopWaitMs: STOP_WAIT_MS,
  startLog: new Logger('EmbeddedDatabase'),
};

/** The database's thread has answered nothing for longer than any statement takes. */
export class EmbeddedDatabaseStuckError extends Error {
  constructor(silentMs: number) {
    super(
      `The embedded database has answered nothing for ${Math.round(silentMs / 1000)} s: its thread is stuck, as a write that found the disk full can leave it. ` +
        'The process ends; the data is kept and recovered from its write-ahead log at the next start (free disk space first if the log says "No space left on device")',
    );
    this.name = 'EmbeddedDatabaseStuckError';
  }
}

/**
 * Postgres in WASM (PGlite), served on a private unix socket so that TypeORM
 * talks to it through the real `pg` driver, exactly as to a server. PGlite
 * runs on a thread of its own (embedded-postgres.worker.ts), as a server
 * would run beside the process. It has one connection: every context of the
 * process shares one pool of size one, which hands that connection to one
 * transaction at a time.
 */
export class EmbeddedPostgres {
  private stopping = false;
  private readonly logger = new Logger('EmbeddedDatabase');
  private answeredAt = Date.now();
  private readonly watchdog: NodeJS.Timeout;

  private constructor(
    private readonly worker: Worker,
    private readonly socketDir: string,
    readonly pool: pg.Pool,
    private readonly lock: EmbeddedDatabaseLock | undefined,
    private readonly options: EmbeddedPostgresOptions,
  ) {
    // A database gone from under a running process would only show as failed queries: the process ends instead, saying why.
    worker.once('exit', (code) => {
      if (!this.stopping) throw new Error(`The embedded database's thread ended unexpectedly (exit code ${code})`);
    });
    // So would one whose thread is stuck: a write that found the disk full (its write-ahead log could not grow) left
    // PGlite running one statement for ever, at a whole core, every request waiting out its timeout, even once space
    // was freed, and the process deaf to SIGTERM. A stuck thread answers no ping: the process ends, saying why.
    worker.on('message', (event: EmbeddedPostgresWorkerEvent) => {
      if (event.type === 'pong') this.answeredAt = Date.now();
    });
    const pingEveryMs = Math.min(5000, options.stuckAfterMs / 4);
    let checkedAt = Date.now();
    this.watchdog = setInterval(() => {
      const now = Date.now();
      // The whole process was stopped meanwhile (a laptop asleep, SIGSTOP): its thread had no time to answer.
      if (now - checkedAt > 2 * pingEveryMs) this.answeredAt = now;
      checkedAt = now;
      const silentMs = now - this.answeredAt;
      if (silentMs < options.stuckAfterMs) return this.ask('ping');
      clearInterval(this.watchdog);
      options.onStuck(new EmbeddedDatabaseStuckError(silentMs));
    }, pingEveryMs);
    this.watchdog.unref();
  }

  /** `dir` is a folder kept across restarts, or "memory" for a database that lives as long as the process. */
  static async start(dir: string, options: Partial<EmbeddedPostgresOptions> = {}): Promise<EmbeddedPostgres> {
    const startLog = options.startLog ?? DEFAULT_OPTIONS.startLog;
    let lock: EmbeddedDatabaseLock | undefined;
    const dataDir = dir === 'memory' ? dir : resolve(dir);
    // Nothing is awaited until the thread is started: an early start (early-embedded-database.ts) comes just before
    // the app's modules load, which hold the event loop for half a second, and the thread is to work meanwhile.
    if (dataDir !== 'memory') {
      try {
        mkdirSync(dataDir, { recursive: true });
        closeToOthers(dataDir, startLog);
        lock = EmbeddedDatabaseLock.acquire(dataDir);
      } catch (error) {
        throw unwritableFolder(dataDir, error) ?? error;
      }
    }
    let socketDir: string;
    try {
      socketDir = newSocketFolder();
    } catch (error) {
      // The start gives the folder up, so its lock does not wait for the process's exit: a process may go on after a
      // refused start (a test, a host that reports it), and another must find the folder free meanwhile.
      lock?.release();
      throw new ConfigurationError(
        `the embedded database ${whereOf(dataDir)} could not start: its socket folder could not be made in ${tmpdir()} (TMPDIR): ${(error as Error)?.message ?? error}. Set TMPDIR to a folder this user may write`,
      );
    }
    const workerData: EmbeddedPostgresWorkerData = { dir: dataDir, socketPath: join(socketDir, `.s.PGSQL.${SOCKET_PORT}`) };
    let worker: Worker | undefined;
    try {
      worker = new Worker(join(__dirname, 'embedded-postgres.worker.js'), { workerData });
      const ready = await nextEvent(worker, 'ready');
      if (ready.type === 'ready' && ready.made) logNewDatabase(dataDir, ready.made, startLog);
    } catch (error) {
      await worker?.terminate();
      removeSocketFolder(socketDir);
      lock?.release();
      throw failedStart(dataDir, error);
    }
    const pool = new pg.Pool({ host: socketDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres', max: 1, idleTimeoutMillis: 0 });
    return new EmbeddedPostgres(worker, socketDir, pool, lock, { ...DEFAULT_OPTIONS, ...options });
  }

  /**
   * The `pg` module as TypeORM loads it, with Pool bound to the shared pool.
   * TypeORM ends its pool on destroy; the shared one ends only with stop().
   */
  driver(): typeof pg {
    const borrowed = new Proxy(this.pool, {
      get(pool, property) {
        if (property === 'end') {
          return (callback?: (error?: Error) => void) => {
            callback?.();
            return Promise.resolve();
          };
        }
        const value = Reflect.get(pool, property, pool);
        return typeof value === 'function' ? value.bind(pool) : value;
      },
    });
    return {
      ...pg,
      Pool: function SharedPool() {
        return borrowed;
      },
    } as unknown as typeof pg;
  }

  /**
   * Closes the database, or, when it does not close within `stopWaitMs` (its thread stuck, or a query that holds the
   * connection), stops its thread anyway: killed so, the database recovers from its write-ahead log at the next start,
   * as after a crash.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchdog);
    const closing = (async () => {
      await this.pool.end();
      const stopped = nextEvent(this.worker, 'stopped');
      this.ask('stop');
      await stopped;
    })();
    try {
      const closed = await Promise.race([
        closing.then(() => true),
        new Promise<false>((resolve) => setTimeout(resolve, this.options.stopWaitMs, false).unref()),
      ]);
      if (!closed)
        this.logger.warn(`The embedded database did not close within ${this.options.stopWaitMs} ms: its thread is stopped; it recovers at the next start`);
    } finally {
      await this.worker.terminate();
      removeSocketFolder(this.socketDir);
      this.lock?.release();
    }
  }

  private ask(request: EmbeddedPostgresWorkerRequest): void {
    this.worker.postMessage(request);
  }
}

/**
 * PGlite writes every file of the database readable and writable by all (0666), as its WASM file system asks: the
 * folder is the only thing that keeps the machine's other users out, as Postgres's own rule for a data folder has it.
 * A folder made before, or by hand, is closed too; a file system that keeps no modes refuses, with a warning.
 */
function closeToOthers(dataDir: string, startLog: StartLog): void {
  try {
    chmodSync(dataDir, 0o700);
  } catch (error) {
    startLog.warn(`${dataDir} stays open to other users: ${(error as Error).message}`);
  }
}

/**
 * Says that a folder that held no database got a new, empty one, and where the machine keeps the fresh cluster it was
 * copied from: so that a start in the wrong folder, or on a folder someone emptied, is seen for what it is. And warns
 * of a copy that could not be loaded, which was replaced.
 */
function logNewDatabase(dataDir: string, made: NewCluster, logger: StartLog): void {
  if (made.halfMadeBy !== undefined)
    logger.warn(
      `${dataDir} held half a database, left by ${made.halfMadeBy ? `process ${made.halfMadeBy}` : 'a process'}, which ended while making it: it was taken out and made again`,
    );
  if (made.removedImage)
    logger.warn(`This machine's copy of a fresh cluster (${made.image}) could not be loaded (${made.removedImage}): it was removed, and made again by initdb`);
  if (dataDir === 'memory') return;
  if (made.from === 'image') return logger.log(`Made a new database in ${dataDir}, from this machine's copy of a fresh cluster (${made.image})`);
  // The copy is written beside the folder's initdb, and only when it can be: without it the next new folder runs initdb too.
  const kept = isOwnImage(made.image) ? `, and kept a copy of the fresh cluster for the next new one (${made.image})` : '';
  logger.log(`Made a new database in ${dataDir}${kept}`);
}

// What the system answers a folder that cannot be made or written: a read-only filesystem, a file in the way, no
// permission. Node's recursive mkdir answers ENOENT on a read-only filesystem.
const UNWRITABLE_CODES = new Set(['ENOENT', 'ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS']);

/** A refusal naming EMBEDDED_DB_DIR where `error` says its folder cannot be made or written; undefined otherwise. */
function unwritableFolder(dataDir: string, error: unknown): ConfigurationError | undefined {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (!code || !UNWRITABLE_CODES.has(code)) return undefined;
  return new ConfigurationError(
    `EMBEDDED_DB_DIR is ${dataDir}, a folder this process cannot make or write (${whyUnwritable(dataDir) ?? (error as Error).message}): set EMBEDDED_DB_DIR to a folder it can write, or to "memory" for a database that lives as long as the process`,
  );
}

/** What the nearest folder that exists on the way to `dir` says of a write, when it refuses one. */
function whyUnwritable(dir: string): string | undefined {
  for (let folder = dir; ; folder = dirname(folder)) {
    if (existsSync(folder)) {
      try {
        accessSync(folder, constants.W_OK);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    }
    if (dirname(folder) === folder) return undefined;
  }
}

/** Why the database in `dataDir` did not start, naming it; a disk without room is something that may come back. */
function failedStart(dataDir: string, error: unknown): Error {
  const reason = (error as Error)?.message ?? String(error);
  const where = whereOf(dataDir);
  if ((error as ThreadFailure)?.code === 'POSTGRES_VERSION') return new ConfigurationError(`the embedded database ${where} could not start: ${reason}`);
  if ((error as ThreadFailure)?.code === 'ENOSPC')
    return new DependencyUnavailableError(
      `the embedded database ${where} could not start: ${reason}. It needs some 40 MB to start: free disk space, or set EMBEDDED_DB_DIR to a disk with room`,
    );
  return new Error(`the embedded database ${where} could not start: ${reason}`);
}

function whereOf(dataDir: string): string {
  return dataDir === 'memory' ? 'in memory' : `in ${dataDir} (EMBEDDED_DB_DIR)`;
}

/** What the thread said of a failure: its message, and the file system's code when that is what failed. */
type ThreadFailure = Error & { code?: string };

/** Resolves on the thread's `wanted` event; rejects if it fails or ends first. */
function nextEvent(worker: Worker, wanted: EmbeddedPostgresWorkerEvent['type']): Promise<EmbeddedPostgresWorkerEvent> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      outcome();
    };
    const onMessage = (event: EmbeddedPostgresWorkerEvent) => {
      if (event.type === wanted) settle(() => resolve(event));
      else if (event.type === 'failed') settle(() => reject(Object.assign(new Error(event.message), { code: event.code }) as ThreadFailure));
    };
    const onError = (error: Error) => settle(() => reject(error));
    const onExit = (code: number) => settle(() => reject(new Error(`The embedded database's thread ended (exit code ${code})`)));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}
