import { LoggerService } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { currentCorrelationId } from '@tessera/messaging';
import pino, { DestinationStream, Logger as PinoLogger } from 'pino';

/** The key under which every log line written for a request carries its correlation id. */
export const CORRELATION_ID_LOG_KEY = 'correlationId';

/** The keys of the trace and span a line was written in, when the process traces: a log search joins a trace by them. */
export const TRACE_ID_LOG_KEY = 'trace_id';
export const SPAN_ID_LOG_KEY = 'span_id';

/**
 * The one pino logger of a process; Fastify logs requests with it and Nest
 * logs through it. JSON lines, except in a developer's terminal, where they
 * are made readable when pino-pretty (a dev dependency) is installed. Every
 * line logged on behalf of a request carries its `correlationId`, and, when
 * the process traces, the `trace_id` and `span_id` it was written in. Lines go
 * to stdout unless a destination is given.
 */
export function createRootLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): PinoLogger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: ['req.headers.authorization', '*.password', 'password', '*.accessToken'], censor: '[redacted]' },
    mixin: requestFieldsOf,
    ...(!destination && readableInTerminal() ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

// Whether a logger (Fastify's per-request child) has the id among its bindings already; each is asked once.
const boundToCorrelation = new WeakMap<PinoLogger, boolean>();

function requestFieldsOf(_fields: object, _level: number, logger: PinoLogger): object {
  const correlationId = currentCorrelationId();
  const span = trace.getSpan(context.active());
  if (!correlationId && !span) return {};
  const fields: Record<string, string> = {};
  if (correlationId && !isBoundToCorrelation(logger)) fields[CORRELATION_ID_LOG_KEY] = correlationId;
  const spanContext = span?.spanContext();
  if (spanContext && trace.isSpanContextValid(spanContext)) {
    fields[TRACE_ID_LOG_KEY] = spanContext.traceId;
    fields[SPAN_ID_LOG_KEY] = spanContext.spanId;
  }
  return fields;
}

function isBoundToCorrelation(logger: PinoLogger): boolean {
  let bound = boundToCorrelation.get(logger);
  if (bound === undefined) {
    bound = CORRELATION_ID_LOG_KEY in logger.bindings();
    boundToCorrelation.set(logger, bound);
  }
  return bound;
}

function readableInTerminal(): boolean {
  if (!process.stdout.isTTY || process.env.NODE_ENV === 'production') return false;
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Nest's LoggerService over pino, so framework and application lines share one
 * format. A message may be an object of fields with its text in `msg`, which
 * become fields of the line.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: PinoLogger) {}

  // Every handled message logs a line at info: above that level (LOG_LEVEL=warn), the line is not even built.
  log(message: unknown, context?: string): void {
    if (this.logger.isLevelEnabled('info')) this.logger.info(...lineOf(message, { context }));
  }

  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error(...lineOf(message, { context, trace }));
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn(...lineOf(message, { context }));
  }

  // Debug and trace lines are asked for on every message handled: below the level, the line is not even built.
  debug(message: unknown, context?: string): void {
    if (this.logger.isLevelEnabled('debug')) this.logger.debug(...lineOf(message, { context }));
  }

  verbose(message: unknown, context?: string): void {
    if (this.logger.isLevelEnabled('trace')) this.logger.trace(...lineOf(message, { context }));
  }

  fatal(message: unknown, context?: string): void {
    this.logger.fatal(...lineOf(message, { context }));
  }
}

function lineOf(message: unknown, fields: Record<string, unknown>): [Record<string, unknown>, string] {
  if (message === null || typeof message !== 'object' || Array.isArray(message) || message instanceof Error) return [fields, String(message)];
  const { msg, ...more } = message as Record<string, unknown>;
  return [{ ...more, ...fields }, String(msg ?? '')];
}
