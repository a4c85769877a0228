import { CORRELATION_ID_LOG_KEY } from '../logging/logger';
import { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger';
import type { LogFn } from 'pino';

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
  private incomingFromHook = false;

  constructor(options: RequestLogOptions) {
    super({ requestIdLogLabel: CORRELATION_ID_LOG_KEY });
    this.oneLine = options.oneLine;
  }

  /**
   * Writes the incoming line from an onRequest hook of `fastify` rather than where Fastify writes it, before any
   * hook. Added after the hook that begins the request's span, the line is written in that span and carries its
   * `trace_id`, as every later line of the request does. A URL the router refuses runs no hook: its line is
   * written by incomingRequestRefused.
   */
  writeIncomingInHook(fastify: FastifyInstance): void {
    if (this.oneLine) return;
    this.incomingFromHook = true;
    fastify.addHook('onRequest', (request, reply, done) => {
      this.writeIncoming(request, reply);
      done();
    });
  }

  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (this.oneLine || this.incomingFromHook) return;
    this.writeIncoming(request, reply, metadata);
  }

  /** The incoming line of a request answered before routing, where no hook runs to write it (writeIncomingInHook). */
  incomingRequestRefused(request: FastifyRequest, reply: FastifyReply): void {
    if (this.incomingFromHook) this.writeIncoming(request, reply);
  }

  private writeIncoming(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
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

  /**
   * The line of a request answered before routing (a URL Fastify's router
   * cannot take): Fastify writes its incoming line but, with no route to run,
   * never the completed one, nor knows how long the answer took.
   */
  requestRefused(request: FastifyRequest, reply: FastifyReply, elapsedMs: number): void {
    if (this.oneLine) reply.log.info(requestLine(request, reply.statusCode, elapsedMs));
    else reply.log.info({ res: reply, responseTime: elapsedMs }, 'request completed');
  }
}

type LogLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** A logger that can tell whether it would write at a level, as pino's does. */
interface LevelAwareLogger extends FastifyBaseLogger {
  isLevelEnabled(level: string): boolean;
}

function isLevelAware(logger: FastifyBaseLogger): logger is LevelAwareLogger {
  return typeof (logger as Partial<LevelAwareLogger>).isLevelEnabled === 'function';
}

/**
 * A request's logger, made only when the request writes a line: Fastify
 * makes a child logger per request, and pino's child serialises its bindings
 * and sets up its levels whether or not anything is written, which cost 4-5%
 * of the CPU of a request that logs nothing (a probe, or any request with
 * LOG_LEVEL above info). A line is written by the same child, with the same
 * bindings, as before. A request given a level or serializers of its own
 * (a route's logLevel, logSerializers) gets its child at once.
 */
export class RequestLogger implements FastifyBaseLogger {
  private made?: FastifyBaseLogger;

  constructor(
    private readonly parent: LevelAwareLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** Fastify's childLoggerFactory: a RequestLogger where the parent can tell its levels, a child at once otherwise. */
  static factory(this: void, parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
    // Fastify passes the route's level, empty unless the route sets one, and its serializers, if any.
    if (!isLevelAware(parent) || options.level || options.serializers) return parent.child(bindings, options);
    return new RequestLogger(parent, bindings, options);
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.childLogger().level = level;
  }

  fatal: LogFn = (...args: unknown[]) => this.write('fatal', args);
  error: LogFn = (...args: unknown[]) => this.write('error', args);
  warn: LogFn = (...args: unknown[]) => this.write('warn', args);
  info: LogFn = (...args: unknown[]) => this.write('info', args);
  debug: LogFn = (...args: unknown[]) => this.write('debug', args);
  trace: LogFn = (...args: unknown[]) => this.write('trace', args);
  silent: LogFn = () => undefined;

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.childLogger().child(bindings, options);
  }

  private write(level: LogLevelName, args: unknown[]): void {
    // A child made for a level set on it answers for itself; otherwise the parent's level decides, as it changes.
    if (!this.made && !this.parent.isLevelEnabled(level)) return;
    (this.childLogger()[level] as (...line: unknown[]) => void)(...args);
  }

  private childLogger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }
}
