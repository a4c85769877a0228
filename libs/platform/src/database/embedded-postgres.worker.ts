import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { parentPort, workerData } from 'node:worker_threads';
import { freshClusterImage, prepareCluster } from './fresh-cluster';

/** What EmbeddedPostgres hands the thread it starts. */
export interface EmbeddedPostgresWorkerData {
  /** A data folder, created and locked by the caller, or "memory". */
  dir: string;
  /** The unix socket to serve the database on. */
  socketPath: string;
}

/** What the thread answers: ready once the socket is served, stopped once the database is closed, or why it failed. */
export type EmbeddedPostgresWorkerEvent = { type: 'ready' } | { type: 'stopped' } | { type: 'failed'; message: string };

/**
 * PGlite and its socket server on a thread of their own (started by
 * embedded-postgres.ts). Postgres in WASM runs synchronously: on the main
 * thread every statement stopped the HTTP pipeline for as long as it ran
 * (a third of the CPU of a product read), where a server works beside it.
 * Here it does the same, on the machine's other core.
 */
async function serve({ dir, socketPath }: EmbeddedPostgresWorkerData): Promise<void> {
  const db =
    dir === 'memory' ? await PGlite.create({ loadDataDir: await freshClusterImage() }) : await PGlite.create({ dataDir: dir, ...(await prepareCluster(dir)) });
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  await server.start();
  parentPort!.once('message', () => {
    void (async () => {
      await server.stop();
      await db.close();
      tell({ type: 'stopped' });
    })().catch(failed);
  });
  tell({ type: 'ready' });
}

function tell(event: EmbeddedPostgresWorkerEvent): void {
  parentPort!.postMessage(event);
}

function failed(error: unknown): void {
  tell({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}

serve(workerData as EmbeddedPostgresWorkerData).catch(failed);
