import type { Server } from 'node:http';

/** How long a request may take to arrive, each counted from its first byte (or from the connection, for the first). */
export interface ArrivalLimits {
  /** For its line and headers. */
  headersMs: number;
  /**
   * For all of it: its headers and its body, which the API reads up to 1 MiB.
   * What the shop then takes to answer is not counted: REQUEST_TIMEOUT_MS bounds that.
   */
  requestMs: number;
  /** How often the server looks for requests past those times: one is refused at most this much after its time. */
  checkEveryMs: number;
}

export const ARRIVAL_LIMITS: ArrivalLimits = { headersMs: 10_000, requestMs: 30_000, checkEveryMs: 2_000 };

/**
 * Answers 408 and closes the connection of a request that does not arrive in
 * time (a connection that sends nothing is closed at the headers' limit). Fastify switches off Node's limit on a whole request (its
 * requestTimeout is 0, and it asks for one wherever no proxy stands in
 * front), so a client that sent its headers and then a body byte by byte, or
 * nothing more, or vanished from the network without closing, kept its
 * connection and file descriptor for good; Node's 60 s for the headers let a
 * few hundred slow clients take every descriptor of a process limited to
 * 1,024 for a minute at a time. Between requests a connection kept alive is
 * idle, which counts towards neither limit: Fastify's keepAliveTimeout ends it.
 *
 * Call it before the server listens: Node reads the checking interval then.
 */
export function refuseSlowRequests(server: Server, limits: ArrivalLimits = ARRIVAL_LIMITS): void {
  server.headersTimeout = limits.headersMs;
  server.requestTimeout = limits.requestMs;
  // A createServer option that Node also reads from the server as it starts listening; @types/node lists it as an option only.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = limits.checkEveryMs;
}
