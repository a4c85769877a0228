import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis, { type Command, type RedisOptions } from 'ioredis';
import type { WriteableStream } from 'ioredis/built/types';

/** The token of this process's Redis client: a `Redis`, or undefined when REDIS_URL is not set. */
export const SHARED_REDIS = Symbol('SHARED_REDIS');

/** How long one command may take before it counts as failed: a Redis that hangs must not hang requests. */
const COMMAND_TIMEOUT_MS = 500;
const MAX_RECONNECT_DELAY_MS = 2000;
/** At most this often a connection is made again because Redis refused a write as a replica (see readOnlyReconnection). */
const READ_ONLY_RECONNECT_EVERY_MS = 1000;
const READ_ONLY_WARNING_EVERY_MS = 60_000;

/**
 * A client whose keys all start with `<namespace>:` (MESSAGING_NAMESPACE), so
 * deployments sharing a Redis never meet, that fails fast while Redis is away (no offline queue, one try per
 * command), so that its users can fall back at once, and reconnects forever.
 * Its errors are logged once per outage, not once per reconnect attempt.
 */
export function createSharedRedis(url: string, namespace: string, logger: Pick<Logger, 'warn' | 'log'> = new Logger('Redis')): Redis {
  let down = false;
  // A Redis that hangs is away too: its return is said like the end of any outage, and the errors of the reconnection
  // meanwhile add no line.
  const redis = new HangAwareRedis(url, logger, () => (down = true), {
    keyPrefix: `${namespace}:`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    reconnectOnError: readOnlyReconnection(logger),
  });
  let saidMissingDatabase = false;
  redis.on('error', (error: Error) => {
    // Redis refuses SELECT of a database it does not have, and ioredis goes on in database 0: Redis is in use, not away.
    if (error.message.startsWith(NO_SUCH_DATABASE)) {
      if (!saidMissingDatabase)
        logger.warn(
          `REDIS_URL names database ${redis.options.db}, which this Redis does not have (${error.message}): the counters and caches are kept in database 0 instead; set REDIS_URL to a database the server has (its \`databases\` setting, 16 by default)`,
        );
      saidMissingDatabase = true;
      return;
    }
    if (down) return;
    down = true;
    logger.warn(`Redis is not reachable (${error.message}): rate limits are not enforced and caches are bypassed until it is back`);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log('Redis is reachable again');
  });
  return redis;
}

/**
 * Makes the connection again when Redis refuses a write because it is a
 * replica (READONLY). A failover that moves an address to the new primary (an
 * ElastiCache endpoint, a DNS name kept by Sentinel) leaves the connection made
 * before it on the former primary, now a replica: every write was refused, so
 * rate limits were not enforced until the process restarted, while a new
 * connection reaches the new primary. At most once a second, and said once a
 * minute, for a REDIS_URL that names a replica for good.
 */
function readOnlyReconnection(logger: Pick<Logger, 'warn'>): (error: Error) => boolean {
  let reconnectedAt = 0;
  let saidAt = 0;
  return (error) => {
    if (!error.message.startsWith('READONLY')) return false;
    const now = Date.now();
    if (now - reconnectedAt < READ_ONLY_RECONNECT_EVERY_MS) return false;
    reconnectedAt = now;
    if (now - saidAt >= READ_ONLY_WARNING_EVERY_MS) {
      saidAt = now;
      logger.warn(`Redis refused a write as a replica (${error.message}): connecting again, to reach the primary if a failover moved its address`);
    }
    return true;
  };
}

/**
 * A client that stops waiting on a Redis that has stopped answering. A Redis
 * that hangs (a frozen process, a network that drops packets) keeps the
 * connection open, so every command would wait out its timeout, two or three a
 * request. The first command that times out drops the connection instead:
 * while it is made again, commands fail at once (no offline queue), and the
 * reconnection's ready check, timed out too on a Redis still hung, goes on
 * trying until Redis answers.
 */
class HangAwareRedis extends Redis {
  private droppedForHanging = false;

  constructor(
    url: string,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly droppedHungConnection: () => void,
    options: RedisOptions,
  ) {
    super(url, options);
    this.on('ready', () => (this.droppedForHanging = false));
  }

  override sendCommand(command: Command, stream?: WriteableStream): unknown {
    if (this.droppedForHanging && this.status === 'ready') {
      // Not on the hung connection while it closes: at once, as while Redis is away. The reconnection's own
      // commands (its ready check) go through: they come once the status has moved on.
      command.reject(new Error(NOT_ANSWERING));
      return command.promise;
    }
    const sent = super.sendCommand(command, stream);
    command.promise.catch((error: Error) => {
      if (error?.message !== COMMAND_TIMED_OUT || this.status !== 'ready' || this.droppedForHanging) return;
      this.droppedForHanging = true;
      this.logger.warn(
        `Redis did not answer ${command.name} within ${COMMAND_TIMEOUT_MS} ms: reconnecting; until it answers, rate limits are not enforced and caches are bypassed`,
      );
      this.droppedHungConnection();
      this.disconnect(true);
    });
    return sent;
  }
}

// What Redis answers SELECT of a database number at or above its `databases` setting.
const NO_SUCH_DATABASE = 'ERR DB index is out of range';
// What ioredis rejects a command with once commandTimeout has passed.
const COMMAND_TIMED_OUT = 'Command timed out';
const NOT_ANSWERING = 'Redis is not answering: its connection is being made again';

@Injectable()
class SharedRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(SHARED_REDIS) private readonly redis: Redis | undefined) {}

  // Not at onModuleDestroy, which Nest runs before the HTTP server has answered the requests it holds: those still
  // count against the rate limits and read the caches.
  onApplicationShutdown(): void {
    this.redis?.disconnect(false);
  }
}

/**
 * The Redis client of a process that shares state with its replicas
 * (rate-limit counters, caches), when REDIS_URL is set; undefined otherwise,
 * and then nothing connects anywhere.
 */
@Global()
@Module({
  providers: [
    {
      provide: SHARED_REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const url = config.get<string>('REDIS_URL');
        return url ? createSharedRedis(url, config.get<string>('MESSAGING_NAMESPACE') ?? 'tessera') : undefined;
      },
    },
    SharedRedisCloser,
  ],
  exports: [SHARED_REDIS],
})
export class SharedRedisModule {}
