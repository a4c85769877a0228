import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
const LOG_DIR = join(ROOT, '.data', 'test-logs');

export type AppName = 'monolith' | 'gateway' | 'users' | 'catalog' | 'ordering' | 'payments';

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
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  }

  static start(app: AppName, label: string, env: Record<string, string>): AppProcess {
    mkdirSync(LOG_DIR, { recursive: true });
    const logFile = join(LOG_DIR, `${label}.log`);
    const entry = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
    const child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(logFile);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return new AppProcess(label, logFile, child, app, env);
  }

  /** The same app with the same environment (but for `changes`; undefined removes a variable), started again after stop(), its output in a new log. */
  restart(changes: Record<string, string | undefined> = {}): AppProcess {
    const env = Object.fromEntries(Object.entries({ ...this.env, ...changes }).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return AppProcess.start(this.app, `${this.name}-again`, env);
  }

  /** The HTTP port it was started on. */
  get port(): number {
    return Number(this.env.PORT);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the exit code once the process ends. */
  exitCode(): Promise<number | null> {
    return this.exited!;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  output(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Polls `url` until it answers `status`, or fails naming the processes' last words. */
export async function waitForStatus(url: string, status: number, processes: AppProcess[], timeoutMs = 60_000): Promise<void> {
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
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last}):\n${processes.map((p) => `--- ${p.name}\n${p.output().slice(-2000)}`).join('\n')}`);
}
