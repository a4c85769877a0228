import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { parentPort, workerData } from 'node:worker_threads';
import { readdir } from 'node:fs/promises';
import {
  freshClusterImage,
  markMaking,
  type NewCluster,
  postgresVersionOf,
  postgresVersionOfThisPGlite,
  prepareCluster,
  removeAllBut,
  removeCachedImage,
  unmarkMaking,
} from './fresh-cluster';
import { fileSystemFailure } from './file-system-failure';
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
 * What the thread answers: ready once the socket is served (saying how a folder that held no database got one),
 * stopped once the database is closed, pong to a ping, or why it failed.
 */
export type EmbeddedPostgresWorkerEvent =
  { type: 'ready'; made?: NewCluster } | { type: 'stopped' } | { type: 'pong' } | { type: 'failed'; message: string; code?: string };

/**
 * The extensions of Postgres's contrib that the contexts' migrations create, which PGlite loads only when asked to:
 * pg_trgm for the catalog's name search. A database that has one must be opened with it every time after.
 */
const EXTENSIONS = { pg_trgm };

/**
 * PGlite and its socket server on a thread of their own (started by
 * embedded-postgres.ts). Postgres in WASM runs synchronously: on the main
 * thread every statement stopped the HTTP pipeline for as long as it ran
 * (a third of the CPU of a product read), where a server works beside it.
 * Here it does the same, on the machine's other core.
 */
async function serve({ dir, socketPath }: EmbeddedPostgresWorkerData): Promise<void> {
  const { db, made } = dir === 'memory' ? await openInMemory() : await openFolder(dir);
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
  tell({ type: 'ready', made });
}

/**
 * PGlite on a data folder, made first when it holds none. A folder made by another major version of Postgres (by
 * an older Tessera, whose PGlite was older) cannot be opened, and PGlite said only that it "failed to initialize
 * properly": the failure then says which versions.
 */
async function openFolder(dir: string): Promise<{ db: PGlite; made?: NewCluster }> {
  const { loadDataDir, made } = await prepareCluster(dir);
  const held = await readdir(dir);
  try {
    return { db: await createInFolder(dir, loadDataDir), made };
  } catch (error) {
    if (made?.from === 'image') {
      // Whatever failed, a folder the image left a PG_VERSION in would be taken for a database at every later start:
      // what the image put there goes, the mark of its making with it.
      await removeAllBut(dir, held);
      if (!fileSystemFailure(error)) return await openFolderWithoutImage(dir, error);
      throw error;
    }
    const theirs = await postgresVersionOf(dir);
    // Not knowing this PGlite's version (its fresh cluster could not be made either) says nothing of the folder's.
    const ours = theirs && (await postgresVersionOfThisPGlite().catch(() => undefined));
    if (!theirs || !ours || theirs === ours) throw error;
    throw new PostgresVersionMismatch(
      `its files were made by Postgres ${theirs}, and this embedded Postgres is ${ours}, which cannot open them (nor convert them). Move the folder away, or set EMBEDDED_DB_DIR to another one, to start with a new database; to keep the data, dump it with the Tessera that made it`,
    );
  }
}

/**
 * PGlite on `dir`, loading `image` into it first when given: the folder is marked as being made until the image is
 * all there, so that a start after this process was killed halfway takes out what it wrote rather than open it.
 */
async function createInFolder(dir: string, image: Blob | undefined): Promise<PGlite> {
  if (image) markMaking(dir);
  const db = await PGlite.create({ dataDir: dir, loadDataDir: image, extensions: EXTENSIONS });
  if (image) unmarkMaking(dir);
  return db;
}

/**
 * A new folder that the machine's image of a fresh cluster could not start, emptied again: the image is removed, and
 * the folder made by initdb, which writes the image anew.
 */
async function openFolderWithoutImage(dir: string, error: unknown): Promise<{ db: PGlite; made?: NewCluster }> {
  await removeCachedImage();
  // Another process may have written a new image meanwhile, which is then loaded.
  const { loadDataDir, made } = await prepareCluster(dir);
  return { db: await createInFolder(dir, loadDataDir), made: made && { ...made, removedImage: reasonOf(error) } };
}

/** PGlite in memory, from the machine's image of a fresh cluster, made again when the one there cannot start it. */
async function openInMemory(): Promise<{ db: PGlite; made?: NewCluster }> {
  const loadDataDir = await freshClusterImage();
  try {
    return { db: await PGlite.create({ loadDataDir, extensions: EXTENSIONS }) };
  } catch (error) {
    if (fileSystemFailure(error)) throw error;
    const image = await removeCachedImage();
    return {
      db: await PGlite.create({ loadDataDir: await freshClusterImage(), extensions: EXTENSIONS }),
      made: { from: 'initdb', image, removedImage: reasonOf(error) },
    };
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class PostgresVersionMismatch extends Error {
  readonly code = 'POSTGRES_VERSION';
}

function tell(event: EmbeddedPostgresWorkerEvent): void {
  parentPort!.postMessage(event);
}

/** Tells why the thread failed, with a code when it has one: the file system's, or POSTGRES_VERSION. */
function failed(error: unknown): void {
  const fileSystem = fileSystemFailure(error);
  if (fileSystem) return tell({ type: 'failed', ...fileSystem });
  const code = (error as { code?: unknown } | undefined)?.code;
  tell({ type: 'failed', message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) });
}

serve(workerData as EmbeddedPostgresWorkerData).catch(failed);
