import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** The parts of pglite-socket's QueryQueueManager this file relies on (private in its types). */
interface SocketQueryQueue {
  processing: boolean;
  queue: unknown[];
  processQueue(): Promise<void>;
}

/**
 * Makes pglite-socket's query queue take queries again after one that PGlite
 * threw on instead of answering. Its round returns from that failure still
 * marked busy, and a busy queue is never started again: every later query of
 * every connection waited for ever (electric-sql/pglite#1046; its fix
 * is not released as of pglite-socket 0.2.17). Seen under `npm start` on a
 * full disk: after one write failed so, the process answered nothing from its
 * database, even once space was freed, until it was restarted. The failed
 * query's connection is closed by the library (its client sees a reset); the
 * queries behind it now run.
 */
export function recoverQueueAfterThrows(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: Partial<SocketQueryQueue> }).queryQueue;
  if (!isSocketQueryQueue(queue))
    throw new Error(
      'pglite-socket no longer has the query queue recoverQueueAfterThrows mends: see whether electric-sql/pglite#1046 is fixed in it, and remove or adapt recoverQueueAfterThrows',
    );
  const processQueue = queue.processQueue.bind(queue);
  queue.processQueue = async () => {
    // The round this call runs, if it starts one: the library starts one only when none runs and a query waits.
    const startsRound = !queue.processing && queue.queue.length > 0;
    try {
      await processQueue();
    } finally {
      if (startsRound && queue.processing) {
        queue.processing = false;
        if (queue.queue.length > 0) void queue.processQueue();
      }
    }
  };
}

function isSocketQueryQueue(queue: Partial<SocketQueryQueue> | undefined): queue is SocketQueryQueue {
  return typeof queue?.processQueue === 'function' && typeof queue.processing === 'boolean' && Array.isArray(queue.queue);
}
