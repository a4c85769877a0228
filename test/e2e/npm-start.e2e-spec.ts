import { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { untilPasses } from '../harness/eventually';
import { acceptsConnections, endChild, freePort, isRunning, readLog, ROOT, spawnLogged, testLogFile } from '../harness/processes';
import { copyRepository } from '../harness/repository-copy';

// npm start builds the copy first (about 10-20 s on CI's machine when it is busy), then starts the monolith.
const STARTED_WITHIN_MS = 150_000;

async function ready(port: number, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  await untilPasses(
    async () => {
      if (!isRunning(child)) throw new Error(`it exited before it was ready:\n${readLog(logFile).slice(-3000)}`);
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    },
    timeoutMs,
    200,
  );
}

/** The pids the monolith wrote in its log lines, so that one left running by a failed test is stopped after it. */
function pidsLoggedIn(logFile: string): number[] {
  return [...new Set([...readLog(logFile).matchAll(/"pid":(\d+)/g)].map((match) => Number(match[1])))];
}

/**
 * `npm start` as a newcomer runs it, in a copy of the repository (it
 * rebuilds dist), and the other scripts that start an app: stopping npm must
 * stop the app. A process manager, an
 * editor's stop button or `kill` signal npm alone, not its process group as a
 * terminal's Ctrl-C does; npm passes the signal on to the script's shell, so
 * the shell must be the app (`exec`), or the app is left running, holding the
 * port and the embedded database, and the next `npm start` is refused.
 */
describe('npm start and the scripts that start an app', () => {
  let copy: { path: string; remove: () => void };
  const logFiles: string[] = [];

  beforeAll(async () => {
    copy = await copyRepository('npm-start');
  }, 60_000);

  afterAll(() => {
    for (const pid of logFiles.flatMap(pidsLoggedIn)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already, as it should be.
      }
    }
    copy?.remove();
  });

  it('stops the shop when npm alone is told to stop, leaving its port and embedded database to the next start', async () => {
    const port = await freePort();
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? copy.path, PORT: String(port) };
    const logFile = testLogFile('npm-start');
    logFiles.push(logFile);
    const npm = spawnLogged('npm', ['start'], logFile, { cwd: copy.path, env });
    const npmExited = new Promise((resolve) => npm.once('exit', resolve));
    await ready(port, npm, logFile, STARTED_WITHIN_MS);

    await endChild(npm, npmExited, 'SIGTERM');
    await untilPasses(async () => expect(await acceptsConnections(port)).toBe(false), 30_000, 200);

    // The same folder and port, started again from the build npm start made.
    const againLog = testLogFile('npm-start-again');
    logFiles.push(againLog);
    const again = spawnLogged(process.execPath, [join('dist', 'apps', 'monolith', 'src', 'main.js')], againLog, { cwd: copy.path, env });
    const againExited = new Promise((resolve) => again.once('exit', resolve));
    try {
      await ready(port, again, againLog, 60_000);
    } finally {
      await endChild(again, againExited);
    }
  }, 300_000);

  it('stops an app started with npm run start:<app> when npm alone is told to stop', async () => {
    const port = await freePort();
    const logFile = testLogFile('npm-run-start-monolith');
    logFiles.push(logFile);
    const npm = spawnLogged('npm', ['run', 'start:monolith'], logFile, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, PORT: String(port), EMBEDDED_DB_DIR: 'memory' },
    });
    const npmExited = new Promise((resolve) => npm.once('exit', resolve));
    await ready(port, npm, logFile, 60_000);

    await endChild(npm, npmExited, 'SIGTERM');
    await untilPasses(async () => expect(await acceptsConnections(port)).toBe(false), 30_000, 200);
  }, 120_000);
});
