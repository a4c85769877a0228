import type { ContextName } from '@tessera/contracts';
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
const LOG_DIR = join(ROOT, '.data', 'test-logs');
// The apps under test run in a folder of their own: a developer's .env at the repository root must not reach them.
const APP_WORKING_DIR = join(ROOT, '.data', 'test-apps');

export type AppName = 'monolith' | 'gateway' | ContextName;

/** One app started from the build, as `npm run start:<app>` would, with its output kept in a log file. */
export class AppProcess {
  private exited?: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    private readonly app: AppName,
    private readonly env: Record<string, string>,
  ) {
    // A test that reads the log of a process that has ended must find all of it there, not what the pipe had passed on so far.
    this.exited = endedAndLogged(child);
  }

  static start(app: AppName, label: string, env: Record<string, string>): AppProcess {
    const logFile = testLogFile(label);
    const entry = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
    mkdirSync(APP_WORKING_DIR, { recursive: true });
    // The runner's temporary folder too, where one is set (macOS sets one for every user): a test that looks there for
    // what an app left (its socket folder) must look where the app put it, not in the /tmp an app without TMPDIR uses.
    const system = { PATH: process.env.PATH ?? '', ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}) };
    const child = spawnLogged(process.execPath, [entry], logFile, {
      cwd: APP_WORKING_DIR,
      env: { ...system, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    });
    return new AppProcess(label, logFile, child, app, env);
  }

  /** The same app with the same environment (but for `changes`; undefined removes a variable), started again after stop(), its output in a new log. */
  restart(changes: Record<string, string | undefined> = {}): AppProcess {
    const env = Object.fromEntries(Object.entries({ ...this.env, ...changes }).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return AppProcess.start(this.app, `${this.name}-again`, env);
  }

  /** Its process id, once started. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The HTTP port it was started on. */
  get port(): number {
    return Number(this.env.PORT);
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  /** Resolves with the exit code once the process has ended and all it wrote is in its log file. */
  exitCode(): Promise<number | null> {
    return this.exited!;
  }

  /** Sends `signal` and returns at once, for signals that ask a running process something rather than stop it. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    await endChild(this.child, this.exited!, signal);
  }

  output(): string {
    return readLog(this.logFile);
  }
}

/**
 * A log file of its own for `label`: `.data/test-logs/<label>-<6 hex digits>.log`, the folder made if need be. The
 * e2e suites run two at a time, and suites that start the same kind of process (a monolith on the embedded database)
 * give it the same label: one file for both would have the second opening empty it while the first still wrote, and
 * their lines overwrite each other, so that a test waiting for a line of its process's could miss it.
 */
export function testLogFile(label: string): string {
  mkdirSync(LOG_DIR, { recursive: true });
  return join(LOG_DIR, `${label}-${randomBytes(3).toString('hex')}.log`);
}

const endings = new WeakMap<ChildProcess, Promise<number | null>>();

/** Starts `command` with its stdout and stderr written to `logFile`, for a test to read (readLog) once it matters. */
export function spawnLogged(command: string, args: readonly string[], logFile: string, options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  // Ended once both pipes have closed: whichever closed first would otherwise end the file while the other still writes.
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  endings.set(child, new Promise((resolveEnded) => child.once('close', (code) => log.end(() => resolveEnded(code)))));
  return child;
}

/** Resolves with the exit code of `child` (started by spawnLogged) once it has ended and all it wrote is in its log file. */
export function endedAndLogged(child: ChildProcess): Promise<number | null> {
  const ended = endings.get(child);
  if (!ended) throw new Error('endedAndLogged: the process was not started by spawnLogged');
  return ended;
}

/** Whether `child` was started and has neither exited nor been killed. */
export function isRunning(child: ChildProcess | undefined): boolean {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** Signals `child` and waits until it has `exited`, killing it if it is still there after 10 s. */
export async function endChild(child: ChildProcess, exited: Promise<unknown>, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** What a process wrote to its log file so far; empty before it wrote anything. */
export function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
}

// Ports are handed out below the kernel's ephemeral range (32768 and up on Linux), which outgoing connections take
// their local ports from: a port the OS chose with listen(0) could be taken by a connection to Postgres or a broker
// before the process meant to listen on it started. Each jest worker has a block of its own, so workers never hand
// out the same port, and a port is handed out again only after the whole block has gone round. The blocks of a run
// start at an offset taken from its jest process (the workers' parent), so that two runs at once (two checkouts of
// the project on one machine) seldom share a block: a port one run found free could otherwise be taken by the
// other's process before its own listened. `npm test` runs the unit specs and the e2e suites as two jest processes of
// one parent, each running its tests in band as worker 1, so the offset alone would give both the same block:
// tools/test/run-tests.js gives each its own part of the range in TESSERA_TEST_PORTS instead.
const PORT_BLOCK = 250;
const [FIRST_PORT, LAST_PORT] = portRange(process.env.TESSERA_TEST_PORTS ?? '20000-31999');
const BLOCKS = Math.floor((LAST_PORT + 1 - FIRST_PORT) / PORT_BLOCK);
const RUN_OFFSET = process.ppid % BLOCKS;
const workerBlock = (RUN_OFFSET + Number(process.env.JEST_WORKER_ID ?? 1) - 1) % BLOCKS;
let nextInBlock = 0;

/**
 * The processes (`pid command line`) whose working directory is `directory`, read from /proc: what a tool started
 * there left running, whichever process group it is in. Those of other users, and those that end meanwhile, are
 * skipped.
 */
export function processesWorkingIn(directory: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) !== directory) continue;
      found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** A port on 127.0.0.1 that nothing listens on now, and that this process has not handed out lately. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < PORT_BLOCK; tried++) {
    const port = FIRST_PORT + workerBlock * PORT_BLOCK + (nextInBlock++ % PORT_BLOCK);
    if (await canListen(port)) return port;
  }
  throw new Error(`No free port between ${FIRST_PORT + workerBlock * PORT_BLOCK} and ${FIRST_PORT + (workerBlock + 1) * PORT_BLOCK - 1}`);
}

function portRange(range: string): [number, number] {
  const [first, last] = range.split('-').map(Number);
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1024 || last > 32_767 || last - first + 1 < PORT_BLOCK) {
    throw new Error(`TESSERA_TEST_PORTS must be two ports "first-last" between 1024 and 32767, a block of ${PORT_BLOCK} or more; got "${range}"`);
  }
  return [first, last];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` now. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.once('error', () => resolveAccepts(false));
  });
}

/** What waitForStatus watches while it polls: an AppProcess, or any process a test started with spawnLogged. */
export interface WatchedProcess {
  readonly name: string;
  readonly running: boolean;
  output(): string;
}

/** A process `spawnLogged` started, to watch as an AppProcess is watched. */
export function watched(name: string, child: ChildProcess, logFile: string): WatchedProcess {
  return {
    name,
    get running() {
      return isRunning(child);
    },
    output: () => readLog(logFile),
  };
}

/** Polls `url` until it answers `status`, or fails naming the processes' last words. */
export async function waitForStatus(url: string, status: number, processes: readonly WatchedProcess[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const dead = processes.find((p) => !p.running);
    if (dead) throw new Error(`${dead.name} exited while starting:\n${dead.output().slice(-3000)}`);
    try {
      const response = await fetch(url);
      if (response.status === status) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${url} did not answer ${status} within ${timeoutMs} ms (last: ${last}):\n${processes.map((p) => `--- ${p.name}\n${p.output().slice(-2000)}`).join('\n')}`,
  );
}
