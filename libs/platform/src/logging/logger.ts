import { LoggerService } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { ConfigurationError, currentCorrelationId } from '@tessera/messaging';
import pino, { DestinationStream, Logger as PinoLogger } from 'pino';

/** The key under which every log line written for a request carries its correlation id. */
export const CORRELATION_ID_LOG_KEY = 'correlationId';

/** The keys of the trace and span a line was written in, when the process traces: a log search joins a trace by them. */
export const TRACE_ID_LOG_KEY = 'trace_id';
export const SPAN_ID_LOG_KEY = 'span_id';

/** How log lines are written: `json`, one object a line, for machines; `pretty`, coloured text for a person. */
export type LogFormat = 'pretty' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];

/**
 * LOG_FORMAT when set; otherwise pretty in a terminal outside production,
 * json everywhere else (a file, a pipe to a log shipper, the image).
 */
export function chosenLogFormat(env: NodeJS.ProcessEnv = process.env, terminal = Boolean(process.stdout.isTTY)): LogFormat {
  const asked = env.LOG_FORMAT?.trim();
  if (asked) {
    if (!LOG_FORMATS.includes(asked as LogFormat)) throw new ConfigurationError(`LOG_FORMAT must be ${LOG_FORMATS.join(' or ')}, not "${asked}"`);
    return asked as LogFormat;
  }
  return terminal && env.NODE_ENV !== 'production' ? 'pretty' : 'json';
}

/** The levels LOG_LEVEL may name: pino's own, and silent. */
export const LOG_LEVELS: readonly string[] = [...Object.keys(pino.levels.values), 'silent'];

/**
 * LOG_LEVEL, info when unset. Read when the logger is made, before the
 * configuration is checked, so a bad value is refused here, naming the
 * variable as the configuration check would, rather than by pino in its own words.
 */
export function chosenLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  const asked = env.LOG_LEVEL;
  if (asked === undefined) return 'info';
  if (!LOG_LEVELS.includes(asked)) throw new ConfigurationError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${asked}"`);
  return asked;
}

// The format of each root logger, for the HTTP adapter, which logs a request in one line when it is pretty.
const formatOfLogger = new WeakMap<object, LogFormat>();

/** The format a logger made by createRootLogger writes in; json for any other. */
export function logFormatOf(logger: object): LogFormat {
  return formatOfLogger.get(logger) ?? 'json';
}

/**
 * The one pino logger of a process; Fastify logs requests with it and Nest
 * logs through it, in `format` (see chosenLogFormat). Every line logged on
 * behalf of a request carries its `correlationId`, and, when the process
 * traces, the `trace_id` and `span_id` it was written in. Lines go to stdout
 * unless a destination is given, in JSON unless told otherwise.
 */
export function createRootLogger(
  name: string,
  level = chosenLogLevel(),
  destination?: DestinationStream,
  format: LogFormat = destination ? 'json' : chosenLogFormat(),
): PinoLogger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: ['req.headers.authorization', '*.password', 'password', '*.accessToken'], censor: '[redacted]' },
    mixin: requestFieldsOf,
  };
  const pretty = format === 'pretty' ? prettyStream(destination) : undefined;
  const logger = pretty ? pino(options, pretty) : destination ? pino(options, destination) : pino(options);
  formatOfLogger.set(logger, pretty ? 'pretty' : 'json');
  return logger;
}

/**
 * pino-pretty in this thread, not a worker, so a line is out before the process goes on and a crash loses none:
 * time, level, process, `[context] message (correlation id)`, other fields after it. pino-pretty is a dev
 * dependency, absent from the image, where JSON is what a log shipper wants: asked for where it is not installed,
 * the process says so in one line and writes JSON.
 */
function prettyStream(destination?: DestinationStream): DestinationStream | undefined {
  let build: (options: Record<string, unknown>) => DestinationStream;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: a dev dependency, looked for only when asked
    build = require('pino-pretty');
  } catch {
    process.stderr.write('LOG_FORMAT=pretty needs pino-pretty, a dev dependency that is not installed here: logging JSON instead\n');
    return undefined;
  }
  return build({
    ignore: `pid,hostname,context,${CORRELATION_ID_LOG_KEY}`,
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: `{if context}[{context}] {end}{msg}{if ${CORRELATION_ID_LOG_KEY}} ({${CORRELATION_ID_LOG_KEY}}){end}`,
    singleLine: true,
    sync: true,
    ...(destination ? { destination } : {}),
  });
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

/**
 * Nest's own start-up lines: one per module, controller and route, some seventy in all, that bury the few lines a
 * person starting the process wants. Logged at debug.
 */
const NEST_START_UP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication', 'NestMicroservice']);

/**
 * Nest's LoggerService over pino, so framework and application lines share one
 * format. A message may be an object of fields with its text in `msg`, which
 * become fields of the line. Nest's start-up details go to debug.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: PinoLogger) {}

  // Every handled message logs a line at info: above that level (LOG_LEVEL=warn), the line is not even built.
  log(message: unknown, context?: string): void {
    if (context !== undefined && NEST_START_UP_CONTEXTS.has(context)) this.debug(message, context);
    else if (this.logger.isLevelEnabled('info')) this.logger.info(...lineOf(message, { context }));
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
