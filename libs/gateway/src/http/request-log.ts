import { CORRELATION_ID_LOG_KEY } from '@tessera/platform';
import { FastifyReply, FastifyRequest, LogController } from 'fastify';

/** What load balancers, orchestrators and Prometheus ask every few seconds: a line each would drown the requests. */
const PROBE_PATH = /^\/(health(\/|\?|$)|metrics(\?|$))/;

export function isProbeRequest(url: string): boolean {
  return PROBE_PATH.test(url);
}

/** A finished request as a person reads it: `GET /products?limit=5 200 3.1 ms`; its id is the line's correlationId. */
export function requestLine(request: Pick<FastifyRequest, 'method' | 'url'>, statusCode: number, elapsedMs: number): string {
  return `${request.method} ${request.url} ${statusCode} ${elapsedMs.toFixed(1)} ms`;
}

export interface RequestLogOptions {
  /** One line a request when it is done (requestLine), for a person; otherwise Fastify's two, with every field, for machines. */
  oneLine: boolean;
}

/**
 * Fastify's request log lines, labelled with the key every other line of a
 * request uses for its id, probes (/health/*, /metrics) at debug, and, for a
 * person reading (LOG_FORMAT=pretty), one line a request instead of two.
 * Failed requests keep Fastify's own line, with the error.
 */
export class RequestLogController extends LogController {
  private readonly oneLine: boolean;

  constructor(options: RequestLogOptions) {
    super({ requestIdLogLabel: CORRELATION_ID_LOG_KEY });
    this.oneLine = options.oneLine;
  }

  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (this.oneLine) return;
    if (isProbeRequest(request.url)) request.log.debug({ req: request }, 'incoming request');
    else super.incomingRequest(request, reply, metadata);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    const probe = isProbeRequest(request.url);
    if (error || (!this.oneLine && !probe)) {
      super.requestCompleted(error, request, reply, metadata);
      return;
    }
    if (!this.oneLine) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else if (probe) reply.log.debug(requestLine(request, reply.statusCode, reply.elapsedTime));
    else reply.log.info(requestLine(request, reply.statusCode, reply.elapsedTime));
  }
}
