import { createServer, Server, Socket, connect } from 'node:net';
import { urlThroughProxy } from './tcp-proxy';

/** One transaction a client ran to its end: an explicit one, or a statement run on its own outside one. */
export interface Transaction {
  /** The texts of its statements (BEGIN, COMMIT and ROLLBACK aside), whitespace folded, in the order they ran. */
  statements: string[];
  rolledBack: boolean;
}

/** What some transactions amount to. */
export interface StatementCount {
  /** Statements executed (simple queries, and executions of the extended protocol), but for BEGIN, COMMIT and ROLLBACK. */
  statements: number;
  transactions: number;
  /** Explicit transactions that ended in ROLLBACK. */
  rolledBack: number;
}

/**
 * A TCP proxy in front of Postgres that records, from the wire, the statements
 * and transactions its clients run, whatever the driver or ORM above them:
 * the apps connect to `url()` instead of the server. It reads only what
 * clients send (the frontend messages of the v3 protocol) and passes every
 * byte through unchanged.
 */
export class PgStatementCounter {
  private readonly ended: Transaction[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<PgStatementCounter> {
    let counter!: PgStatementCounter;
    const server = createServer((client) => counter.relay(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    counter = new PgStatementCounter(server, (server.address() as { port: number }).port);
    return counter;
  }

  /** `databaseUrl` with its host and port replaced by this proxy's. */
  url(databaseUrl: string): string {
    return urlThroughProxy(databaseUrl, this.port);
  }

  /** A mark to read, with `endedSince`, the transactions that end from now on. */
  mark(): number {
    return this.ended.length;
  }

  /** The transactions that ended since `mark`, in the order they ended. */
  endedSince(mark: number): Transaction[] {
    return this.ended.slice(mark);
  }

  static count(transactions: Transaction[]): StatementCount {
    return {
      statements: transactions.reduce((sum, transaction) => sum + transaction.statements.length, 0),
      transactions: transactions.length,
      rolledBack: transactions.filter((transaction) => transaction.rolledBack).length,
    };
  }

  async close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, target: { host: string; port: number }): void {
    const upstream = connect(target.port, target.host);
    this.sockets.add(client).add(upstream);
    const messages = new FrontendMessages((type, body) => this.observe(type, body, session));
    const session: Session = { pendingQuery: '', prepared: new Map() };
    client.on('data', (chunk) => {
      messages.push(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  private observe(type: string, body: Buffer, session: Session): void {
    if (type === 'P') {
      // Parse: statement name, then the query text.
      const nameEnd = body.indexOf(0);
      const name = body.subarray(0, nameEnd).toString('utf8');
      const text = body.subarray(nameEnd + 1, body.indexOf(0, nameEnd + 1)).toString('utf8');
      session.prepared.set(name, text);
      session.pendingQuery = text;
      return;
    }
    if (type === 'B') {
      // Bind: portal name, then the name of the statement it runs, parsed on this connection now or before.
      const portalEnd = body.indexOf(0);
      const name = body.subarray(portalEnd + 1, body.indexOf(0, portalEnd + 1)).toString('utf8');
      session.pendingQuery = session.prepared.get(name) ?? session.pendingQuery;
      return;
    }
    if (type === 'Q') this.executed(body.subarray(0, body.indexOf(0)).toString('utf8'), session);
    else if (type === 'E') this.executed(session.pendingQuery, session);
  }

  private executed(query: string, session: Session): void {
    const verb = /^\s*(\w+)(\s+\w+)?/.exec(query);
    const first = verb?.[1]?.toUpperCase();
    if (first === 'BEGIN' || (first === 'START' && verb?.[2]?.trim().toUpperCase() === 'TRANSACTION')) {
      session.transaction = [];
    } else if (first === 'COMMIT' || first === 'END') {
      this.end(session, false);
    } else if (first === 'ROLLBACK' && !/^\s*ROLLBACK\s+TO/i.test(query)) {
      this.end(session, true);
    } else {
      const text = query.replace(/\s+/g, ' ').trim();
      if (session.transaction) session.transaction.push(text);
      else this.ended.push({ statements: [text], rolledBack: false });
    }
  }

  private end(session: Session, rolledBack: boolean): void {
    if (session.transaction) this.ended.push({ statements: session.transaction, rolledBack });
    session.transaction = undefined;
  }
}

/** What the counter knows of one client connection. */
interface Session {
  /** The statements of the explicit transaction under way, if one is. */
  transaction?: string[];
  /** The text of the statement the next Execute runs. */
  pendingQuery: string;
  /** The text of each statement parsed on the connection, by name ('' for the unnamed one). */
  prepared: Map<string, string>;
}

/**
 * Splits a client's byte stream into protocol messages: first the startup
 * message (or an SSL or GSS request, which has no type byte either), then
 * messages of a type byte and a length that counts itself.
 */
class FrontendMessages {
  private buffered = Buffer.alloc(0);
  private started = false;

  constructor(private readonly onMessage: (type: string, body: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      if (!this.started) {
        if (this.buffered.length < 8) return;
        const length = this.buffered.readInt32BE(0);
        if (this.buffered.length < length) return;
        const code = this.buffered.readInt32BE(4);
        // SSLRequest and GSSENCRequest come before the real startup message.
        if (code !== 80877103 && code !== 80877104) this.started = true;
        this.buffered = this.buffered.subarray(length);
        continue;
      }
      if (this.buffered.length < 5) return;
      const length = this.buffered.readInt32BE(1);
      if (this.buffered.length < 1 + length) return;
      this.onMessage(String.fromCharCode(this.buffered[0]), this.buffered.subarray(5, 1 + length));
      this.buffered = this.buffered.subarray(1 + length);
    }
  }
}
