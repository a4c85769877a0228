import { LoggerService } from '@nestjs/common';
import pino, { Logger as PinoLogger } from 'pino';

/**
 * The one pino logger of a process; Fastify logs requests with it and Nest
 * logs through it. JSON lines, except in a developer's terminal, where they
 * are made readable when pino-pretty (a dev dependency) is installed.
 */
export function createRootLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): PinoLogger {
  return pino({
    name,
    level,
    redact: { paths: ['req.headers.authorization', '*.password', 'password', '*.accessToken'], censor: '[redacted]' },
    ...(readableInTerminal() ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
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

/** Nest's LoggerService over pino, so framework and application lines share one format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: PinoLogger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }

  fatal(message: unknown, context?: string): void {
    this.logger.fatal({ context }, String(message));
  }
}
