import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { untilPasses } from '../harness/eventually';
import { acceptsConnections, endChild, freePort, readLog, ROOT, spawnLogged, testLogFile, waitForStatus, watched } from '../harness/processes';
import { copyRepository } from '../harness/repository-copy';

// npm start builds the copy first (about 10-20 s on CI's machine when it is busy), then starts the monolith.
const STARTED_WITHIN_MS = 150_000;

/** The pids the monolith wrote in its log lines, so that one left running by a failed test is stopped after it. */
function pidsLoggedIn(logFile: string): number[] {
  return [...new Set([...readLog(logFile).matchAll(/"pid":(\d+)/g)].map((match) => Number(match[1])))];
}

/** Whether `pid` is still a monolith, not a process that took its pid since. */
function isMonolith(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('apps/monolith/src/main.js');
  } catch {
    return false;
  }
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
    for (const pid of logFiles.flatMap(pidsLoggedIn).filter(isMonolith)) process.kill(pid, 'SIGKILL');
    copy?.remove();
  });

  it('stops the shop when npm alone is told to stop, leaving its port and embedded database to the next start', async () => {
    const port = await freePort();
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? copy.path, PORT: String(port) };
    const logFile = testLogFile('npm-start');
    logFiles.push(logFile);
    const npm = spawnLogged('npm', ['start'], logFile, { cwd: copy.path, env });
    const npmExited = new Promise((resolve) => npm.once('exit', resolve));
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, [watched('npm start', npm, logFile)], STARTED_WITHIN_MS);

    await endChild(npm, npmExited, 'SIGTERM');
    await untilPasses(async () => expect(await acceptsConnections(port)).toBe(false), 30_000, 200);

    // The same folder and port, started again from the build npm start made.
    const againLog = testLogFile('npm-start-again');
    logFiles.push(againLog);
    const again = spawnLogged(process.execPath, [join('dist', 'apps', 'monolith', 'src', 'main.js')], againLog, { cwd: copy.path, env });
    const againExited = new Promise((resolve) => again.once('exit', resolve));
    try {
      await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, [watched('the monolith again', again, againLog)]);
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
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, [watched('npm run start:monolith', npm, logFile)]);

    await endChild(npm, npmExited, 'SIGTERM');
    await untilPasses(async () => expect(await acceptsConnections(port)).toBe(false), 30_000, 200);
    // The log says the stop was asked for, rather than ending mid-line.
    expect(readLog(logFile)).toContain('SIGTERM: answering the requests in hand, then stopping');
  }, 120_000);
});
