import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The headers helmet sets for `options`, worked out once. They are the same
 * for every response (no CSP nonces), so the gateway sets them from this
 * list instead of running helmet per request, as @fastify/helmet does (it
 * builds the middleware, and parses the CSP directives, on every request:
 * about 7% of the CPU of a request that does nothing else).
 */
export function securityHeadersOf(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

// Kept per server for the answers Fastify gives before any hook runs (securityHeadersSentBy).
const headersSentBy = new WeakMap<FastifyInstance, Readonly<Record<string, string>>>();

/**
 * Sets helmet's headers for `options` on every response, the 404s and errors included, and `Cache-Control:
 * no-store` on every answer that may be personal: to a request that carries credentials, or that is not a read (a
 * login's token). A browser or a shared proxy then keeps none of them, for the next user of the machine to find.
 * An anonymous read (the catalogue, the health routes) is the same for everybody, and left to HTTP's defaults.
 */
export function sendSecurityHeaders(fastify: FastifyInstance, options: HelmetOptions): void {
  const headers = securityHeadersOf(options);
  headersSentBy.set(fastify, headers);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headers);
    if (mayBePersonal(request.method, request.headers.authorization)) void reply.header('cache-control', 'no-store');
    done();
  });
}

function mayBePersonal(method: string, authorization: string | undefined): boolean {
  return authorization !== undefined || (method !== 'GET' && method !== 'HEAD');
}

/**
 * The headers sendSecurityHeaders sets on `fastify`'s answers (none when it was not called), for an answer
 * given where the onRequest hooks do not run: a URL its router cannot decode.
 */
export function securityHeadersSentBy(fastify: FastifyInstance): Readonly<Record<string, string>> {
  return headersSentBy.get(fastify) ?? {};
}
