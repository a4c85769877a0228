import type { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endChild, freePort, isRunning, readLog, spawnLogged, testLogFile } from './processes';
import type { TestCertificates } from './test-certificates';

/**
 * The Redis the suites also run on: with CI=true, or when REDIS_URL is set.
 * There a missing server is a failure, not a skip.
 */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function redisWanted(): boolean {
  return process.env.CI === 'true' || !!process.env.REDIS_URL;
}

/** Fails with a clear message when the wanted Redis does not answer. */
export async function assertRedisReachable(url = TEST_REDIS_URL, trusting?: TestCertificates): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
    ...(trusting ? { tls: { ca: readFileSync(trusting.caFile) } } : {}),
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is required for this run (CI=true or REDIS_URL) but ${url} refused: ${(error as Error).message}`, { cause: error });
  } finally {
    redis.disconnect();
  }
}

/** The client once connected: a client that fails fast refuses commands until then rather than queueing them. */
export async function connected(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

/** Where the test looks for the server binary; REDIS_SERVER_BIN overrides it. */
const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/**
 * A redis-server of the test's own, without persistence, so a test may stop
 * it without touching the machine's. `stop()` and `start()` keep the port, as
 * a server restarted in place would.
 */
export class PrivateRedisServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private starts = 0;
  /** The server's working folder: a replica writes the copy it receives from its primary there, even with persistence off. */
  private workingDir?: string;

  private constructor(
    readonly port: number,
    private readonly label: string,
    private readonly tls?: TestCertificates,
  ) {}

  /** A new server on a free port, started and answering PING; given `tls`, it takes TLS connections only, with that certificate. */
  static async start(label: string, tls?: TestCertificates): Promise<PrivateRedisServer> {
    const server = new PrivateRedisServer(await freePort(), label, tls);
    try {
      await server.start();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  get logFile(): string {
    return testLogFile(`${this.label}-redis-${this.starts}`);
  }

  async start(timeoutMs = 10_000): Promise<void> {
    if (this.running) return;
    this.starts++;
    const listening = this.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.tls.certFile, '--tls-key-file', this.tls.keyFile, '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    this.workingDir ??= mkdtempSync(join(tmpdir(), `tessera-${this.label}-redis-`));
    const child = spawnLogged(
      REDIS_SERVER_BIN,
      [...listening, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.workingDir],
      this.logFile,
    );
    child.once('error', () => undefined);
    this.child = child;
    this.exited = new Promise((resolveExit) => child.once('close', () => resolveExit()));
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`redis-server exited while starting:\n${this.output().slice(-2000)}`);
      try {
        return await assertRedisReachable(this.url, this.tls);
      } catch (error) {
        last = error;
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
    throw new Error(`redis-server on ${this.url} did not answer within ${timeoutMs} ms (last: ${(last as Error)?.message})`);
  }

  async stop(): Promise<void> {
    if (this.running) await endChild(this.child!, this.exited!);
    if (this.workingDir) rmSync(this.workingDir, { recursive: true, force: true });
    this.workingDir = undefined;
  }

  /** Stops the server without closing anything (SIGSTOP): its connections stay open and nothing answers, as when Redis hangs. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a frozen server go on (SIGCONT). */
  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  output(): string {
    return readLog(this.logFile);
  }
}
