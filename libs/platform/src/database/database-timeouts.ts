import { Client, type PoolConfig } from 'pg';
import type { GiveUpReason } from '../metrics/database-metrics';

/** The statement timeout of a context's serving connections when DATABASE_STATEMENT_TIMEOUT_MS is not set. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** The longest DATABASE_STATEMENT_TIMEOUT_MS taken: a day. */
export const MAX_STATEMENT_TIMEOUT_MS = 86_400_000;

/**
 * How long past the statement timeout a query may go unanswered before its connection is given up: the server's own
 * cancel answers well within it, so what is still silent then is a server, or a network, that answers nothing.
 */
export const ANSWER_GRACE_MS = 2_000;

/** The most connections a context's pool opens on a Postgres server when DATABASE_POOL_SIZE is not set. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * A query that got no answer, not even the server's own timeout, within its deadline. Its connection was closed, so
 * whether the server ran it is unknown, as after a connection lost in any other way; its code is Node's for a
 * connection that timed out, so that it reads as the database being unavailable (isDatabaseUnavailable).
 */
export class UnansweredQueryError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(deadlineMs: number) {
    super(`Postgres answered nothing within ${deadlineMs} ms; the connection was closed`);
    this.name = 'UnansweredQueryError';
  }
}

/** What Postgres answers a write on a server that takes none: a standby, such as a primary demoted by a failover. */
const READ_ONLY_TRANSACTION = '25006';

/**
 * The pool options of a context's connections on a Postgres server, bounded everywhere a partition or a hung
 * server would otherwise hold them for as long as TCP keeps trying (forever, through a proxy that stays up):
 * - the server cancels a statement after `statementTimeoutMs`, and ends a session left idle inside a transaction
 *   as long, which frees the locks of a process that lost its connection mid-transaction;
 * - a query nothing answers, not even that cancel, within `statementTimeoutMs` + ANSWER_GRACE_MS closes its
 *   connection (UnansweredQueryError), so the pool opens new ones once the server is there again;
 * - a connection, new or from a full pool, is waited for at most `statementTimeoutMs`.
 * Each of these fails the query as the database being unavailable: a request answers 503 CONTEXT_UNAVAILABLE, an
 * event is retried as an outage (ADR 0020). A `statementTimeoutMs` of 0 sets none of them. Whatever the timeout, a
 * connection whose server refused a write as read-only is closed too (see servingClient). See ADR 0021.
 */
export function servingPoolOptions(
  statementTimeoutMs: number,
  gaveUp: (reason: GiveUpReason) => void = () => undefined,
  poolSize = DEFAULT_POOL_SIZE,
): PoolConfig {
  if (statementTimeoutMs === 0) return { max: poolSize, Client: servingClient({ gaveUp }) };
  return {
    max: poolSize,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs,
    connectionTimeoutMillis: statementTimeoutMs,
    Client: servingClient({ answerDeadlineMs: statementTimeoutMs + ANSWER_GRACE_MS, gaveUp }),
  };
}

/** How node-postgres answers a query given a callback: pg-pool's own `query`, which `preparedQuery` sends through. */
type QueryCallback = (error: unknown, result?: unknown) => void;

/**
 * A node-postgres Client that gives up its connection, which the pool then drops instead of handing it out again,
 * when one of its queries, in either form node-postgres takes (the promise TypeORM waits on, or the callback the
 * pool's own `query` passes, the way `preparedQuery` sends the order flow's statements and the product read):
 * - gets no answer within `answerDeadlineMs`, failing with UnansweredQueryError. node-postgres' own `query_timeout`
 *   rejects such a query but leaves it on the connection, which then holds every later query behind it;
 * - has a write refused because the server is read-only: a standby, reached by a connection made before a failover
 *   or through a name still resolving to the old primary. A connection made anew reaches the primary the name
 *   resolves to now; this one would be refused every write for as long as it lasts.
 * A query object of node-postgres' own (a Query or a cursor) given no callback answers through its own events, and is
 * sent as it is.
 */
export function servingClient({
  answerDeadlineMs,
  gaveUp = () => undefined,
}: {
  answerDeadlineMs?: number;
  /** Told each time a connection is given up, and why. */
  gaveUp?: (reason: GiveUpReason) => void;
}): typeof Client {
  class ServingClient extends Client {}
  const query = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;

  /** `settle`, called once: with the answer, or with UnansweredQueryError at the deadline, the connection given up. */
  function answeredInTime(client: Client, settle: QueryCallback): QueryCallback {
    let settled = false;
    // Ended before the failure is seen, so that whoever releases it on that failure releases a closed client.
    const giveUp = (reason: GiveUpReason) => {
      void client.end().catch(() => undefined);
      gaveUp(reason);
    };
    const deadline =
      answerDeadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            settled = true;
            giveUp('unanswered');
            settle(new UnansweredQueryError(answerDeadlineMs));
          }, answerDeadlineMs);
    return (error, result) => {
      // After the deadline, what the closed connection says of the query is nobody's answer.
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if ((error as { code?: unknown } | null)?.code === READ_ONLY_TRANSACTION) giveUp('read_only');
      settle(error, result);
    };
  }

  ServingClient.prototype.query = function (this: Client, ...args: unknown[]) {
    const callbackAt = typeof args[2] === 'function' ? 2 : typeof args[1] === 'function' ? 1 : -1;
    if (callbackAt !== -1) {
      args[callbackAt] = answeredInTime(this, args[callbackAt] as QueryCallback);
      return query.apply(this, args);
    }
    const answer = query.apply(this, args);
    if (!(answer instanceof Promise)) return answer;
    return new Promise((resolve, reject) => {
      const settle = answeredInTime(this, (error, result) => (error ? reject(error as Error) : resolve(result)));
      answer.then(
        (result) => settle(null, result),
        (error: unknown) => settle(error),
      );
    });
  } as Client['query'];
  return ServingClient;
}
