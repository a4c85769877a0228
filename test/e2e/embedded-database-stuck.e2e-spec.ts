import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../harness/processes';

const EMBEDDED_POSTGRES = join(ROOT, 'dist', 'libs', 'platform', 'src', 'database', 'embedded-postgres.js');

/**
 * Runs, in a process of its own (PGlite does not load inside jest), the built EmbeddedPostgres on an in-memory
 * database whose thread is made to answer nothing: PGlite runs a statement synchronously on its thread, so a
 * statement that does not end silences the thread as a stuck PGlite does (a write that found the disk full left it
 * running one for ever, at a whole core, the process deaf to SIGTERM). `options` are EmbeddedPostgres's, as source.
 */
function runStuckDatabase(options: string, then: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runDatabase(
    options,
    `database.pool.query('SELECT pg_sleep(600)').then(() => console.log('query: answered'), () => console.log('query: failed')); ${then}`,
  );
}

/** Runs the built EmbeddedPostgres on an in-memory database in a process of its own, then `then` with it as `database`. */
function runDatabase(options: string, then: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `
    const { EmbeddedPostgres } = require(${JSON.stringify(EMBEDDED_POSTGRES)});
    (async () => {
      const database = await EmbeddedPostgres.start('memory', ${options});
      ${then}
    })();`;
  return runScript(script);
}

describe('the embedded database whose thread answers nothing', () => {
  it('ends the process, saying why and what to do, once its thread has answered nothing for the limit', async () => {
    const { code, stderr } = await runStuckDatabase('{ stuckAfterMs: 2000 }', '');

    expect(code).toBe(1);
    expect(stderr).toMatch(/The embedded database has answered nothing for \d+ s: its thread is stuck/);
    expect(stderr).toMatch(/recovered from its write-ahead log at the next start \(free disk space first/);
  }, 90_000);

  it('still stops, its thread stopped, where closing the database would wait for ever', async () => {
    const stop = `
      setTimeout(async () => {
        await database.stop();
        console.log('stopped');
        setTimeout(() => process.exit(0), 200);
      }, 1000);`;
    const { code, stdout, stderr } = await runStuckDatabase('{ stopWaitMs: 1000 }', stop);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/did not close within 1000 ms: its thread is stopped/);
    expect(stdout).toContain('stopped\n');
    expect(stdout).toContain('query: failed\n');
  }, 90_000);

  // A laptop asleep stops the whole process: its thread had no time to answer, and is not stuck.
  it('does not take a process stopped for longer than the limit, then continued, for stuck', async () => {
    const stoppedAWhile = `
      const { spawn } = require('node:child_process');
      spawn('sh', ['-c', 'sleep 0.5; kill -STOP ' + process.pid + '; sleep 8; kill -CONT ' + process.pid], { detached: true, stdio: 'ignore' }).unref();
      setTimeout(async () => {
        console.log((await database.pool.query('SELECT 1 AS answered')).rows[0].answered === 1 ? 'answered' : 'wrong answer');
        await database.stop();
        process.exit(0);
      }, 13_000);`;
    // A limit the thread of a busy machine does not come near while it runs, and the stop far longer than it.
    const { code, stdout, stderr } = await runDatabase('{ stuckAfterMs: 3000 }', stoppedAWhile);

    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'answered\n', stderr: '' });
  }, 90_000);
});

const SOCKET_QUEUE_RECOVERY = join(ROOT, 'dist', 'libs', 'platform', 'src', 'database', 'socket-queue-recovery.js');

/**
 * Serves an in-memory PGlite through pglite-socket, as the database thread does, with PGlite made to throw on the
 * first statement instead of answering it (as it did on a full disk); then asks two connections, one after the
 * other, for a row, and prints how each ended. `mended` applies recoverQueueAfterThrows, as the thread does.
 */
function queryAfterAThrow(mended: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `
    const { PGlite } = require('@electric-sql/pglite');
    const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
    const { Client } = require('pg');
    const { recoverQueueAfterThrows } = require(${JSON.stringify(SOCKET_QUEUE_RECOVERY)});
    const { mkdtempSync, rmSync } = require('node:fs');
    const { join } = require('node:path');
    const { tmpdir } = require('node:os');
    (async () => {
      const db = await PGlite.create();
      const execute = db.execProtocolRawStream.bind(db);
      let thrown = false;
      db.execProtocolRawStream = async (message, options) => {
        // The first Query message, after the connection's start-up.
        if (!thrown && message[0] === 0x51) {
          thrown = true;
          throw new Error('could not write to file "pg_wal/xlogtemp.42": No space left on device');
        }
        return execute(message, options);
      };
      const folder = mkdtempSync(join(tmpdir(), 'tessera-socket-queue-'));
      const server = new PGLiteSocketServer({ db, path: join(folder, '.s.PGSQL.5432'), maxConnections: 1 });
      if (${mended}) recoverQueueAfterThrows(server);
      await server.start();
      for (const attempt of ['first', 'second']) {
        const client = new Client({ host: folder, port: 5432, user: 'postgres', database: 'postgres', query_timeout: 5000, connectionTimeoutMillis: 5000 });
        client.on('error', () => undefined);
        try {
          await client.connect();
          const { rows } = await client.query('SELECT 42 AS answer');
          console.log(attempt + ': ' + rows[0].answer);
        } catch (error) {
          console.log(attempt + ': failed (' + error.message + ')');
        } finally {
          await client.end().catch(() => undefined);
        }
      }
      rmSync(folder, { recursive: true, force: true });
      process.exit(0);
    })();`;
  return runScript(script);
}

describe("the embedded database's socket after PGlite threw on a statement", () => {
  it('answers the next connection: the statement that threw fails, its connection closed, and the queue goes on', async () => {
    const { code, stdout } = await queryAfterAThrow(true);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^first: failed \(.+\)\nsecond: 42\n$/);
  }, 90_000);

  // Fails once pglite-socket mends this itself: then recoverQueueAfterThrows can go.
  it('is what pglite-socket alone does not: its queue takes nothing more (the case this mends)', async () => {
    const { stdout } = await queryAfterAThrow(false);

    expect(stdout).toMatch(/^first: failed \(.+\)\nsecond: failed \(.+\)\n$/);
  }, 90_000);
});

/** Runs `script` in a node process of its own, in the repository: how it ended and what it wrote. */
function runScript(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}
