import type { FastifyInstance } from 'fastify';

/** How often a closing server lets go of the connections that have fallen idle since it last looked. */
const SWEEP_MS = 50;

/**
 * Lets the HTTP server's close end once its last answer is sent, not once its
 * clients hang up. Node's `server.close()` ends the connections idle at that
 * moment and then waits for the others; a kept-alive connection whose request
 * was in flight stays open after its answer for as long as its client keeps it
 * (Fastify's keepAliveTimeout is 72 s, and a proxy's pool or a Prometheus
 * scraper keeps it that long), and the process with it, past an orchestrator's
 * grace period. So while closing, connections that have fallen idle are ended
 * every SWEEP_MS. A request a client writes on one in that instant meets a
 * closed connection, as it would at the end of any keep-alive timeout.
 */
export function endIdleConnectionsWhileClosing(fastify: FastifyInstance): void {
  fastify.addHook('preClose', (done) => {
    const server = fastify.server;
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
    done();
  });
}
