import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as pg from 'pg';
import { EmbeddedDatabaseLock } from './embedded-database.lock';
import { newSocketFolder } from './socket-folder';
import type { EmbeddedPostgresWorkerData, EmbeddedPostgresWorkerEvent } from './embedded-postgres.worker';

const SOCKET_PORT = 5432;

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

  private constructor(
    private readonly worker: Worker,
    private readonly socketDir: string,
    readonly pool: pg.Pool,
    private readonly lock: EmbeddedDatabaseLock | undefined,
  ) {
    // A database gone from under a running process would only show as failed queries: the process ends instead, saying why.
    worker.once('exit', (code) => {
      if (!this.stopping) throw new Error(`The embedded database's thread ended unexpectedly (exit code ${code})`);
    });
  }

  /** `dir` is a folder kept across restarts, or "memory" for a database that lives as long as the process. */
  static async start(dir: string): Promise<EmbeddedPostgres> {
    let lock: EmbeddedDatabaseLock | undefined;
    const dataDir = dir === 'memory' ? dir : resolve(dir);
    if (dataDir !== 'memory') {
      await mkdir(dataDir, { recursive: true });
      lock = EmbeddedDatabaseLock.acquire(dataDir);
    }
    const socketDir = await newSocketFolder();
    const workerData: EmbeddedPostgresWorkerData = { dir: dataDir, socketPath: join(socketDir, `.s.PGSQL.${SOCKET_PORT}`) };
    const worker = new Worker(join(__dirname, 'embedded-postgres.worker.js'), { workerData });
    try {
      await nextEvent(worker, 'ready');
    } catch (error) {
      await worker.terminate();
      await rm(socketDir, { recursive: true, force: true });
      lock?.release();
      throw error;
    }
    const pool = new pg.Pool({ host: socketDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres', max: 1, idleTimeoutMillis: 0 });
    return new EmbeddedPostgres(worker, socketDir, pool, lock);
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

  async stop(): Promise<void> {
    this.stopping = true;
    await this.pool.end();
    const stopped = nextEvent(this.worker, 'stopped');
    this.worker.postMessage('stop');
    await stopped;
    await this.worker.terminate();
    await rm(this.socketDir, { recursive: true, force: true });
    this.lock?.release();
  }
}

/** Resolves on the thread's `wanted` event; rejects if it fails or ends first. */
function nextEvent(worker: Worker, wanted: EmbeddedPostgresWorkerEvent['type']): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      outcome();
    };
    const onMessage = (event: EmbeddedPostgresWorkerEvent) => {
      if (event.type === wanted) settle(resolve);
      else if (event.type === 'failed') settle(() => reject(new Error(event.message)));
    };
    const onError = (error: Error) => settle(() => reject(error));
    const onExit = (code: number) => settle(() => reject(new Error(`The embedded database's thread ended (exit code ${code})`)));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}
