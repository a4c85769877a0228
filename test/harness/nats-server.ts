import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsConnectionOptions } from '@tessera/messaging';
import { connect } from 'nats';
import { endChild, freePort, isRunning, readLog, spawnLogged, testLogFile } from './processes';
import type { TestCertificates } from './test-certificates';

/** Where the test looks for the server binary; NATS_SERVER_BIN overrides it. */
const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/**
 * What a private server requires of its clients: a user and password, a token, or nothing; or what a configuration
 * file says, with the environment it reads (its users' passwords) and the user the harness logs in as to see it serve,
 * with the reply inbox prefix that user may subscribe to when it may not to `_INBOX.>`.
 */
export type NatsServerAuth =
  | { user: string; password: string }
  | { token: string }
  | { configFile: string; environment: Record<string, string>; user: string; password: string; inboxPrefix?: string };

/**
 * A nats-server of the test's own, with JetStream on a temporary storage
 * directory, so a test may stop and start the broker without touching the
 * machine's. `stop()` and `start()` keep the port and the storage, as a broker
 * restarted in place would; `remove()` stops it and deletes the storage.
 * Given `auth`, it refuses a client without those credentials, and `url`
 * carries them as a NATS_URL does. Given `tls`, it takes TLS connections only,
 * with that certificate, and `url` is a `tls://` one.
 */
export class PrivateNatsServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private starts = 0;
  private latestLogFile?: string;

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly label: string,
    private readonly auth?: NatsServerAuth,
    private readonly tls?: TestCertificates,
    /** For a server of a cluster: its name, and its route port and peers'. */
    private readonly clusterArguments: readonly string[] = [],
  ) {}

  /** A new server on a free port, started and accepting connections with JetStream ready. */
  static async start(label: string, auth?: NatsServerAuth, tls?: TestCertificates): Promise<PrivateNatsServer> {
    if (!existsSync(NATS_SERVER_BIN)) throw new Error(`This test needs nats-server at ${NATS_SERVER_BIN} (set NATS_SERVER_BIN to another path)`);
    const server = new PrivateNatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'tessera-nats-')), label, auth, tls);
    try {
      await server.start();
    } catch (error) {
      await server.remove();
      throw error;
    }
    return server;
  }

  /** The server's URL with the credentials it requires, percent-encoded as a NATS_URL holds them. */
  get url(): string {
    if (!this.auth) return this.urlWithoutCredentials;
    return 'token' in this.auth
      ? `${this.scheme}://${encodeURIComponent(this.auth.token)}@127.0.0.1:${this.port}`
      : this.urlOf(this.auth.user, this.auth.password);
  }

  /** The server's URL with another user's credentials, for a server whose configuration has several. */
  urlOf(user: string, password: string): string {
    return `${this.scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}`;
  }

  /** The name a server of a cluster runs under (its server_name), as stream info names a stream's leader and replicas. */
  get name(): string {
    return this.label;
  }

  get urlWithoutCredentials(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  private get scheme(): 'nats' | 'tls' {
    return this.tls ? 'tls' : 'nats';
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  /** Where the server of the latest start writes its log: a name of its own each time, made once per start. */
  get logFile(): string {
    return this.latestLogFile ?? '';
  }

  /**
   * `size` servers with JetStream, routed to each other as one cluster, each on a free port and a storage of its own,
   * started and serving JetStream (which a cluster does once its servers have elected a leader). Stopped and started
   * again one by one, as a cluster's servers are in a rolling restart or a node's loss.
   */
  static async startCluster(label: string, size: number): Promise<PrivateNatsServer[]> {
    if (!existsSync(NATS_SERVER_BIN)) throw new Error(`This test needs nats-server at ${NATS_SERVER_BIN} (set NATS_SERVER_BIN to another path)`);
    const clusterName = `${label}-${process.pid}`;
    const routePorts: number[] = [];
    for (let index = 0; index < size; index++) routePorts.push(await freePort());
    const routes = routePorts.map((port) => `nats://127.0.0.1:${port}`).join(',');
    const servers: PrivateNatsServer[] = [];
    for (const [index, routePort] of routePorts.entries()) {
      const serverName = `${label}-${index + 1}`;
      const clusterArguments = ['--server_name', serverName, '--cluster_name', clusterName, '--cluster', `nats://127.0.0.1:${routePort}`, '--routes', routes];
      servers.push(new PrivateNatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'tessera-nats-')), serverName, undefined, undefined, clusterArguments));
    }
    try {
      // All at once: none serves JetStream until enough of them are up to elect its leader.
      for (const server of servers) server.spawn();
      for (const server of servers) await server.waitUntilServing(30_000);
    } catch (error) {
      for (const server of servers) await server.remove();
      throw error;
    }
    return servers;
  }

  /** Starts the server (again) on its port and storage, and resolves once a client can use JetStream on it. */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.running) return;
    this.spawn();
    await this.waitUntilServing(timeoutMs);
  }

  private spawn(): void {
    this.starts++;
    this.latestLogFile = testLogFile(`${this.label}-nats-${this.starts}`);
    const child = spawnLogged(
      NATS_SERVER_BIN,
      [...this.authArguments(), ...this.tlsArguments(), ...this.clusterArguments, '-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir],
      this.logFile,
      this.auth && 'configFile' in this.auth ? { env: { ...process.env, ...this.auth.environment } } : {},
    );
    this.child = child;
    this.exited = new Promise((resolveExit) => child.once('exit', () => resolveExit()));
  }

  /** Stops the server (SIGTERM: it closes its clients and flushes its storage; SIGKILL: it just dies) and waits until it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    await endChild(this.child!, this.exited!, signal);
  }

  /** Stops the server and deletes its storage. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  /** Has the server read its configuration file again (SIGHUP), as an operator's `nats-server --signal reload` does; resolves once its log says it has. */
  async reload(timeoutMs = 10_000): Promise<void> {
    const reloadsBefore = this.reloads();
    this.child?.kill('SIGHUP');
    const deadline = Date.now() + timeoutMs;
    while (this.reloads() === reloadsBefore) {
      if (Date.now() > deadline) throw new Error(`nats-server did not reload its configuration:\n${this.output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private reloads(): number {
    return this.output().split('Reloaded server configuration').length - 1;
  }

  output(): string {
    return readLog(this.logFile);
  }

  private authArguments(): string[] {
    if (!this.auth) return [];
    // Flags after the file override it: the test's own port, storage and interface.
    if ('configFile' in this.auth) return ['-c', this.auth.configFile];
    return 'token' in this.auth ? ['--auth', this.auth.token] : ['--user', this.auth.user, '--pass', this.auth.password];
  }

  private tlsArguments(): string[] {
    return this.tls ? ['--tls', '--tlscert', this.tls.certFile, '--tlskey', this.tls.keyFile] : [];
  }

  private async waitUntilServing(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`nats-server exited while starting:\n${this.output().slice(-2000)}`);
      try {
        const inboxPrefix = this.auth && 'inboxPrefix' in this.auth ? this.auth.inboxPrefix : undefined;
        const connection = await connect({
          ...natsConnectionOptions(this.url),
          inboxPrefix,
          ...(this.tls ? { tls: { caFile: this.tls.caFile } } : {}),
          timeout: 1000,
          reconnect: false,
        });
        try {
          // JetStream answers only once its storage is recovered; the apps need it, not just the socket.
          await (await connection.jetstreamManager({ timeout: 1000 })).getAccountInfo();
          return;
        } finally {
          await connection.close();
        }
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
    throw new Error(
      `nats-server on ${this.urlWithoutCredentials} did not serve JetStream within ${timeoutMs} ms (last: ${last}):\n${this.output().slice(-2000)}`,
    );
  }
}
