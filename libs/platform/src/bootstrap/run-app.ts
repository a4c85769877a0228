import { DynamicModule, ShutdownSignal, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigurationError, DependencyUnavailableError, listenRefusal, StartRefusal, startContextServers, TOPOLOGY, Topology } from '@tessera/messaging';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { RuntimeSettings } from '../config/runtime-settings';
import { createRootLogger, PinoNestLogger } from '../logging/logger';
import { createProcessHttpAdapter } from '../http/process-http-adapter';
import { endIdleConnectionsWhileClosing } from './idle-connections';
import { staleBuildWarning } from './stale-build';

export interface RunAppOptions {
  /** Names the process in logs: monolith, gateway, users, ... */
  name: string;
  module: Type<unknown> | DynamicModule;
  /** Used when PORT is not set. */
  defaultPort: number;
  /** Builds the HTTP adapter; when absent, that of a process serving no API (createProcessHttpAdapter). */
  adapter?: (logger: Logger) => FastifyAdapter;
  /** Applies what the HTTP surface needs (security headers, validation, docs) before listening. */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/**
 * Creates, wires and starts one process: its HTTP port and the message
 * servers of the contexts it hosts. Warns first when it runs a build older
 * than the sources beside it (staleBuildWarning).
 */
export async function createApp(options: RunAppOptions): Promise<NestFastifyApplication> {
  const logger = createRootLogger(options.name);
  const staleBuild = staleBuildWarning();
  if (staleBuild) logger.warn(staleBuild);
  const adapter = options.adapter?.(logger) ?? createProcessHttpAdapter(logger);
  // Not bufferLogs: buffered lines are stamped when they are flushed, seconds late, all with the same time.
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, { logger: new StartLogger(logger), abortOnError: false });
  await options.configure?.(app);
  endIdleConnectionsWhileClosing(app.getHttpAdapter().getInstance());
  const settings = app.get(RuntimeSettings);
  followLogLevel(logger, settings);
  // With a CONFIG_FILE, SIGHUP means "read it again" (RuntimeSettings), as for most daemons, not "stop".
  app.enableShutdownHooks(settings.file ? Object.values(ShutdownSignal).filter((signal) => signal !== ShutdownSignal.SIGHUP) : undefined);
  // Bootstrap hooks (the admin account, demo data) finish before any message is taken in.
  await app.init();
  try {
    await startContextServers(app);
  } catch (error) {
    // What did start (connections to the broker, the database's pool) would keep a process that is not exiting alive.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** Nest logs whatever fails its start before it rethrows it; a StartRefusal is said once, by launch(). */
class StartLogger extends PinoNestLogger {
  override error(message: unknown, trace?: string, context?: string): void {
    if (message instanceof StartRefusal || isFailedListen(message, context)) return;
    super.error(message, trace, context);
  }
}

// What NestApplication logs of a listen that failed (or of HOST's lookup), as text, before runApp turns it into a
// refusal naming PORT or HOST.
function isFailedListen(message: unknown, context?: string): boolean {
  return context === 'NestApplication' && typeof message === 'string' && /^Error: (listen|getaddrinfo) /.test(message);
}

// Fastify's per-request loggers are children made per request, so they take a new level from the next request on.
function followLogLevel(logger: Logger, settings: RuntimeSettings): void {
  logger.level = settings.get('LOG_LEVEL');
  settings.onChange((current) => (logger.level = current.LOG_LEVEL));
}

/** Starts a process from its main.ts, listening on HOST and PORT, and says where it listens and what it hosts. */
export async function runApp(options: RunAppOptions): Promise<NestFastifyApplication> {
  const started = Date.now();
  const app = await createApp(options);
  const config = app.get(ConfigService);
  const port = config.get<number>('PORT') ?? options.defaultPort;
  const host = config.get<string>('HOST')!;
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw listenRefusal(error, host, port, { host: 'HOST', port: 'PORT' });
  }
  // PORT=0 asks the system for a free port: the line says which one it gave.
  const listening = (app.getHttpServer().address() as AddressInfo | null)?.port ?? port;
  const topology = app.get<Topology>(TOPOLOGY);
  const hosted = topology.hosted.length > 0 ? topology.hosted.join(', ') : 'none';
  app
    .getHttpAdapter()
    .getInstance()
    .log.info(
      `Tessera ${options.name} ready in ${Date.now() - started} ms on ${urlOf(host, listening)} (contexts hosted: ${hosted}; transport: ${topology.transport})`,
    );
  return app;
}

// Where a person on this machine reaches a server listening on every interface is localhost.
function urlOf(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://localhost:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * How a refused start ends the process (sysexits.h): a supervisor can tell a
 * configuration that will never start (78, EX_CONFIG) from something it needs
 * that may come back (69, EX_UNAVAILABLE); anything else is 1.
 */
export const EXIT_CODES = { configuration: 78, unavailable: 69, failure: 1 } as const;

export function exitCodeOf(error: unknown): number {
  if (error instanceof ConfigurationError) return EXIT_CODES.configuration;
  if (error instanceof DependencyUnavailableError) return EXIT_CODES.unavailable;
  return EXIT_CODES.failure;
}

/**
 * Runs `main` and ends the process with one line saying why it could not
 * start, and the exit code of that reason; the stack only with LOG_LEVEL=debug.
 * What `main` throws before its first await is caught the same way.
 */
export function launch(main: () => Promise<unknown>): void {
  Promise.resolve()
    .then(main)
    .catch((error: Error) => {
      process.stderr.write(`\nTessera could not start: ${error?.message ?? error}\n\n`);
      if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${error?.stack}\n`);
      process.exit(exitCodeOf(error));
    });
}
