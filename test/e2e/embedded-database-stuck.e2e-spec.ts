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
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
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
      spawn('sh', ['-c', 'sleep 0.5; kill -STOP ' + process.pid + '; sleep 5; kill -CONT ' + process.pid], { detached: true, stdio: 'ignore' }).unref();
      setTimeout(async () => {
        console.log((await database.pool.query('SELECT 1 AS answered')).rows[0].answered === 1 ? 'answered' : 'wrong answer');
        await database.stop();
        process.exit(0);
      }, 10_000);`;
    const { code, stdout, stderr } = await runDatabase('{ stuckAfterMs: 2000 }', stoppedAWhile);

    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'answered\n', stderr: '' });
  }, 90_000);
});
