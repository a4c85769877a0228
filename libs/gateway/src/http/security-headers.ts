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

/** Sets helmet's headers for `options` on every response, the 404s and errors included. */
export function sendSecurityHeaders(fastify: FastifyInstance, options: HelmetOptions): void {
  const headers = securityHeadersOf(options);
  headersSentBy.set(fastify, headers);
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}

/**
 * The headers sendSecurityHeaders sets on `fastify`'s answers (none when it was not called), for an answer
 * given where the onRequest hooks do not run: a URL its router cannot decode.
 */
export function securityHeadersSentBy(fastify: FastifyInstance): Readonly<Record<string, string>> {
  return headersSentBy.get(fastify) ?? {};
}
