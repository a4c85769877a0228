// SQLSTATE classes and codes of a server that cannot serve now: a connection exception (08), one shutting down or
// starting (57P01-57P03), one out of a resource the request does not decide: disk (53100, a write that needs a new
// page while reads go on), memory (53200), connections (53300) or unnamed (53000), though not a limit this statement
// itself exceeds (53400, such as temp_file_limit); one that did not serve in time: a statement it cancelled at the
// statement timeout (57014), a session it ended idle in a transaction that long (25P03); and one that takes no write
// (25006): a standby, such as a primary demoted by a failover, or a database an operator made read-only for
// maintenance (ADR 0021).
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53[0-3]00|57014|25P03|25006)$/;
// Node's socket errors on the way to the server.
const UNREACHABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// What node-postgres and its pool say without a code, what Postgres says where its code is not enough, and what
// TypeORM says of a transaction's next statement once the connection was lost between two (it releases the runner
// on the connection's error; this code releases its runners only when done with them).
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable/,
  /is not currently accepting connections/,
  /^Query runner already released/,
];

/**
 * Whether a handler failed because its context's database could not be
 * reached or would not serve (down, restarting, out of connections or disk), rather
 * than because of the request: a caller may try again shortly, as with a
 * context that does not answer. TypeORM's QueryFailedError carries the
 * driver's code as its own.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNREACHABLE_SOCKET_CODES.has(code))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}
