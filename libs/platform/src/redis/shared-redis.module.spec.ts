import { BeforeApplicationShutdown, Controller, Get, Inject, Injectable, Logger, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { get } from 'node:http';
import { connected, PrivateRedisServer, TEST_REDIS_URL } from '../../../../test/harness/redis';
import { describeWith } from '../../../../test/harness/services';
import { untilPasses } from '../../../../test/harness/eventually';
import { TcpProxy } from '../../../../test/harness/tcp-proxy';
import { createSharedRedis, SHARED_REDIS, SharedRedisModule } from './shared-redis.module';

describeWith(['redis'])('SharedRedisModule', () => {
  it('keeps Redis until the HTTP server has answered the requests it held when the app began to close', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));

    @Controller()
    class SlowController {
      constructor(@Inject(SHARED_REDIS) private readonly redis: Redis) {}

      @Get('slow')
      async slow(): Promise<{ redis: string }> {
        arrived();
        await released;
        // Answered with its reason, so that a run that fails says why rather than Nest's "Internal server error".
        return { redis: await this.redis.ping().catch((error: Error) => `failed: ${error.message}`) };
      }
    }

    // Let go once Nest has run every onModuleDestroy and before it closes the HTTP server: the request is still in flight.
    @Injectable()
    class ReleaseBeforeHttpCloses implements BeforeApplicationShutdown {
      beforeApplicationShutdown(): void {
        release();
      }
    }

    @Module({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ REDIS_URL: TEST_REDIS_URL, MESSAGING_NAMESPACE: 'shared-redis-spec' })] }),
        SharedRedisModule,
      ],
      controllers: [SlowController],
      providers: [ReleaseBeforeHttpCloses],
    })
    class AppModule {}

    const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    await connected(app.get<Redis>(SHARED_REDIS));
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { port } = app.getHttpServer().address() as { port: number };

    // A connection of its own, closed after the answer: a kept-alive one would hold the HTTP server's close open.
    const answer = new Promise<{ status?: number; body: unknown }>((resolve, reject) =>
      get({ host: '127.0.0.1', port, path: '/slow', agent: false }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode, body: JSON.parse(text) }));
      }).on('error', reject),
    );
    await inFlight;
    const closing = app.close();

    expect(await answer).toEqual({ status: 200, body: { redis: 'PONG' } });
    await closing;
    // And closed with the app, once its requests are answered.
    await untilPasses(() => expect(app.get<Redis>(SHARED_REDIS).status).toBe('end'));
  }, 20_000);

  it('stops waiting on a Redis that hangs: after one command times out, the next fail at once until it answers again', async () => {
    const server = await PrivateRedisServer.start('hanging');
    const logger = { warn: jest.fn(), log: jest.fn() };
    const redis = await connected(createSharedRedis(server.url, 'hang-spec', logger));
    try {
      await redis.set('k', 'v');
      server.freeze();

      await expect(redis.get('k')).rejects.toThrow('Command timed out');
      // Not another timeout: the hung connection was dropped, and a client without an offline queue refuses at once.
      await expect(redis.get('k')).rejects.toThrow(/Redis is not answering|Stream isn't writeable|Connection is closed/);
      expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('Redis did not answer get within 500 ms'));

      server.thaw();
      await untilPasses(async () => expect(await redis.get('k')).toBe('v'), 15_000, 100);
      // Said as after an outage: "until it answers" was never followed by a line saying that it did.
      expect(logger.log).toHaveBeenCalledWith('Redis is reachable again');
    } finally {
      server.thaw();
      redis.disconnect();
      await server.stop();
    }
  }, 30_000);

  // Redis answers SELECT of a database it does not have with an error and ioredis goes on in database 0: the log said
  // "Redis is not reachable" of a Redis in use, and then nothing of a real outage, taken as the same one.
  it('says that REDIS_URL names a database Redis does not have, not that Redis is away, and still says a real outage', async () => {
    const server = await PrivateRedisServer.start('missing-database');
    const logger = { warn: jest.fn(), log: jest.fn() };
    const redis = createSharedRedis(`${server.url}/99`, 'missing-database-spec', logger);
    try {
      await untilPasses(() => expect(logger.warn).toHaveBeenCalled(), 10_000, 50);
      expect(logger.warn.mock.calls).toEqual([
        [expect.stringMatching(/^REDIS_URL names database 99, which this Redis does not have \(ERR DB index is out of range\): .*database 0/)],
      ]);

      await server.stop();
      await untilPasses(() => expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/^Redis is not reachable/)), 10_000, 50);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  }, 30_000);

  // A failover that moves the address to the new primary leaves the connection made before on the former one, now a
  // replica that refuses every write: without a new connection, no counter was written again until a restart.
  it('takes writes again after a failover that made its Redis a replica and moved its address to the new primary', async () => {
    const [former, promoted] = await Promise.all([PrivateRedisServer.start('failover-former'), PrivateRedisServer.start('failover-promoted')]);
    const address = await TcpProxy.to(former.url);
    const logger = { warn: jest.fn(), log: jest.fn() };
    const redis = createSharedRedis(address.urlThrough(former.url), 'failover-spec', logger);
    const admin = await connected(new Redis(former.url));
    try {
      await untilPasses(async () => expect(await redis.set('counter', '1')).toBe('OK'), 10_000, 50);

      await admin.replicaof('127.0.0.1', promoted.port);
      address.moveTo(promoted.url);

      await untilPasses(async () => expect(await redis.incr('counter')).toBe(1), 15_000, 100);
      expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/^Redis refused a write as a replica \(READONLY .*\): connecting again/));
    } finally {
      redis.disconnect();
      admin.disconnect();
      await address.cut();
      await Promise.all([former.stop(), promoted.stop()]);
    }
  }, 60_000);
});
