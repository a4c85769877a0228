import { createServer, Server, Socket, connect } from 'node:net';
import { freePort } from './processes';

/** `url` with its host and port replaced by those of a proxy on 127.0.0.1:`port`. */
export function urlThroughProxy(url: string, port: number): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return proxied.toString();
}

/**
 * A TCP proxy of the test's own between the processes and a service the machine shares (Postgres, a broker), so that
 * a test can cut the processes off it without touching the service other tests use: `hang` stops every byte both
 * ways without closing anything (a network partition: queries neither answered nor refused), `cut` resets every
 * connection and refuses new ones (a service that went away), and `restore` mends either, a hung connection going on
 * with what was held back.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private hanging = false;
  private readonly heldBack: (() => void)[] = [];
  private connections = 0;
  /** Connections up to this one lead nowhere for good (see `abandon`). */
  private abandonedUpTo = 0;

  private constructor(
    readonly port: number,
    private target: { host: string; port: number },
  ) {}

  /** A proxy to the host and port of `url`, accepting connections. */
  static async to(url: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(url);
    const proxy = new TcpProxy(await freePort(), { host: hostname, port: Number(port) });
    await proxy.restore();
    return proxy;
  }

  /** How many connections clients have opened through the proxy so far. */
  get connectionsMade(): number {
    return this.connections;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlThrough(url: string): string {
    return urlThroughProxy(url, this.port);
  }

  /**
   * Forwards new connections to the host and port of `url` from now on, and leaves those made before on the old
   * target: an address moved by a failover (a DNS name, a cloud endpoint) does the same to connections already open.
   */
  moveTo(url: string): void {
    const { hostname, port } = new URL(url);
    this.target = { host: hostname, port: Number(port) };
  }

  hang(): void {
    this.hanging = true;
  }

  /** Whether bytes sent since `hang` are held back: what a client wrote during the partition went out of it. */
  get holdsBytes(): boolean {
    return this.heldBack.length > 0;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.heldBack.length = 0;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Ends a `hang` as a service that came back on another host does: the connections made before lead nowhere for good
   * (nothing forwarded, nothing closed, what was held back dropped), and new ones are forwarded.
   */
  abandon(): void {
    this.abandonedUpTo = this.connections;
    this.heldBack.length = 0;
    this.hanging = false;
  }

  async restore(): Promise<void> {
    this.hanging = false;
    for (const release of this.heldBack.splice(0)) release();
    if (this.server) return;
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', () => resolve()));
    this.server = server;
  }

  private relay(client: Socket): void {
    const connection = ++this.connections;
    const upstream = connect(this.target.port, this.target.host);
    const close = () => {
      for (const socket of [client, upstream]) {
        socket.destroy();
        this.sockets.delete(socket);
      }
    };
    // An abandoned connection's client is left waiting: the service may close its end (Postgres drops a connection
    // that never finished its handshake after a minute), but no word of it reaches a client cut off from that host.
    const closeFromUpstream = () => {
      if (connection > this.abandonedUpTo) return close();
      upstream.destroy();
      this.sockets.delete(upstream);
    };
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      this.sockets.add(from);
      const closeBoth = from === upstream ? closeFromUpstream : close;
      from.on('error', closeBoth).on('close', closeBoth);
      // In order, whether sent at once or held back: what is held back goes before anything that comes after it.
      from.on('data', (chunk: Buffer) => {
        if (connection <= this.abandonedUpTo) return;
        if (this.hanging || this.heldBack.length > 0) this.heldBack.push(() => to.write(chunk));
        else to.write(chunk);
      });
    }
  }
}
