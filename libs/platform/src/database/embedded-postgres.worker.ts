import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { parentPort, workerData } from 'node:worker_threads';
import { freshClusterImage, postgresVersionOf, postgresVersionOfThisPGlite, prepareCluster } from './fresh-cluster';
import { recoverQueueAfterThrows } from './socket-queue-recovery';

/** What EmbeddedPostgres hands the thread it starts. */
export interface EmbeddedPostgresWorkerData {
  /** A data folder, created and locked by the caller, or "memory". */
  dir: string;
  /** The unix socket to serve the database on. */
  socketPath: string;
}

/** What the process asks of the thread: to close the database, or to answer that it is not stuck. */
export type EmbeddedPostgresWorkerRequest = 'stop' | 'ping';

/**
 * What the thread answers: ready once the socket is served, stopped once the database is closed, pong to a ping, or
 * why it failed.
 */
export type EmbeddedPostgresWorkerEvent = { type: 'ready' } | { type: 'stopped' } | { type: 'pong' } | { type: 'failed'; message: string; code?: string };

/**
 * PGlite and its socket server on a thread of their own (started by
 * embedded-postgres.ts). Postgres in WASM runs synchronously: on the main
 * thread every statement stopped the HTTP pipeline for as long as it ran
 * (a third of the CPU of a product read), where a server works beside it.
 * Here it does the same, on the machine's other core.
 */
async function serve({ dir, socketPath }: EmbeddedPostgresWorkerData): Promise<void> {
  const db = dir === 'memory' ? await PGlite.create({ loadDataDir: await freshClusterImage() }) : await openFolder(dir);
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  recoverQueueAfterThrows(server);
  await server.start();
  let stopping = false;
  // Answered between two statements: a thread that runs one for ever (see EmbeddedPostgres) answers nothing.
  parentPort!.on('message', (request: EmbeddedPostgresWorkerRequest) => {
    if (request === 'ping') return tell({ type: 'pong' });
    if (stopping) return;
    stopping = true;
    void (async () => {
      await server.stop();
      await db.close();
      tell({ type: 'stopped' });
    })().catch(failed);
  });
  tell({ type: 'ready' });
}

/**
 * PGlite on a data folder, made first when it holds none. A folder made by another major version of Postgres (by
 * an older Tessera, whose PGlite was older) cannot be opened, and PGlite said only that it "failed to initialize
 * properly": the failure then says which versions.
 */
async function openFolder(dir: string): Promise<PGlite> {
  const cluster = await prepareCluster(dir);
  try {
    return await PGlite.create({ dataDir: dir, ...cluster });
  } catch (error) {
    const theirs = await postgresVersionOf(dir);
    const ours = theirs && (await postgresVersionOfThisPGlite());
    if (!theirs || theirs === ours) throw error;
    throw new PostgresVersionMismatch(
      `its files were made by Postgres ${theirs}, and this embedded Postgres is ${ours}, which cannot open them (nor convert them). Move the folder away, or set EMBEDDED_DB_DIR to another one, to start with a new database; to keep the data, dump it with the Tessera that made it`,
    );
  }
}

class PostgresVersionMismatch extends Error {
  readonly code = 'POSTGRES_VERSION';
}

function tell(event: EmbeddedPostgresWorkerEvent): void {
  parentPort!.postMessage(event);
}

function failed(error: unknown): void {
  if (error instanceof PostgresVersionMismatch) return tell({ type: 'failed', message: error.message, code: error.code });
  const code = fileSystemErrorCode(error);
  if (code) return tell({ type: 'failed', message: `${FILE_SYSTEM_ERRORS[code]} (${code})`, code });
  tell({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}

// What PGlite's file system (Emscripten's) throws is no Error but `{ name: 'ErrnoError', errno }`, with WASI's numbers:
// a start on a full disk said only "[object Object]".
const WASI_ERRNO_CODES: Record<number, keyof typeof FILE_SYSTEM_ERRORS> = {
  2: 'EACCES',
  29: 'EIO',
  44: 'ENOENT',
  51: 'ENOSPC',
  54: 'ENOTDIR',
  63: 'EPERM',
  69: 'EROFS',
};
const FILE_SYSTEM_ERRORS = {
  EACCES: 'permission denied',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'not a directory',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
};

function fileSystemErrorCode(error: unknown): keyof typeof FILE_SYSTEM_ERRORS | undefined {
  const { name, errno } = (error ?? {}) as { name?: unknown; errno?: unknown };
  return name === 'ErrnoError' && typeof errno === 'number' ? WASI_ERRNO_CODES[errno] : undefined;
}

serve(workerData as EmbeddedPostgresWorkerData).catch(failed);
