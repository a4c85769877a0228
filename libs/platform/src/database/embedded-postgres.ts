import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as pg from 'pg';
import { EmbeddedDatabaseLock } from './embedded-database.lock';
import { freshClusterImage, prepareCluster } from './fresh-cluster';

const SOCKET_PORT = 5432;

/**
 * Postgres in WASM (PGlite), served on a private unix socket so that TypeORM
 * talks to it through the real `pg` driver, exactly as to a server. PGlite
 * has one connection: every context of the process shares one pool of size
 * one, which hands that connection to one transaction at a time.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly socketDir: string,
    readonly pool: pg.Pool,
    private readonly lock: EmbeddedDatabaseLock | undefined,
  ) {}

  /** `dir` is a folder kept across restarts, or "memory" for a database that lives as long as the process. */
  static async start(dir: string): Promise<EmbeddedPostgres> {
    let db: PGlite;
    let lock: EmbeddedDatabaseLock | undefined;
    if (dir === 'memory') {
      db = await PGlite.create({ loadDataDir: await freshClusterImage() });
    } else {
      await mkdir(resolve(dir), { recursive: true });
      lock = EmbeddedDatabaseLock.acquire(resolve(dir));
      try {
        db = await PGlite.create({ dataDir: resolve(dir), ...(await prepareCluster(resolve(dir))) });
      } catch (error) {
        lock.release();
        throw error;
      }
    }
    const socketDir = await mkdtemp(join(tmpdir(), 'tessera-pg-'));
    const server = new PGLiteSocketServer({ db, path: join(socketDir, `.s.PGSQL.${SOCKET_PORT}`), maxConnections: 1 });
    await server.start();
    const pool = new pg.Pool({ host: socketDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres', max: 1, idleTimeoutMillis: 0 });
    return new EmbeddedPostgres(db, server, socketDir, pool, lock);
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
    await this.pool.end();
    await this.server.stop();
    await this.db.close();
    await rm(this.socketDir, { recursive: true, force: true });
    this.lock?.release();
  }
}
