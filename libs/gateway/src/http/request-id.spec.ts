import { Body, Controller, Get, Global, Logger, Module, Post } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ThrottlerModule } from '@nestjs/throttler';
import {
  ContextClient,
  currentCorrelationId,
  InjectContextClient,
  MessagesController,
  MessagingModule,
  startContextServers,
  topologyFromEnv,
} from '@tessera/messaging';
import { createRootLogger, PinoNestLogger, RuntimeSettings } from '@tessera/platform';
import { Writable } from 'node:stream';
import { MemoizedReflector } from '../common/memoized-reflector';
import { GatewayThrottlerGuard, RateLimiter } from '../throttling/gateway-throttler.guard';
import { throttlingOptions } from '../throttling/throttling.options';
import { BODY_LIMIT_BYTES, createFastifyAdapter } from './fastify-adapter.factory';
import { configureHttpApp } from './http-app.configure';

// @fastify/static (Swagger UI's assets) requires content-disposition 3, an ES module, which Jest cannot
// require before Node 24.9. Only its `create` is loaded, to build download headers these tests never ask for.
jest.mock('content-disposition', () => ({ create: () => () => 'attachment' }));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RATE_LIMIT_PER_MINUTE = 5;

@MessagesController()
class ProbeUsersMessagesController {
  @MessagePattern('users.whoami')
  async whoami() {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { correlationId: currentCorrelationId() ?? null };
  }
}

@Controller('probe')
class ProbeHttpController {
  private readonly logger = new Logger('Probe');

  constructor(@InjectContextClient('users') private readonly users: ContextClient) {}

  @Get()
  async probe() {
    this.logger.log('asking users who is asking');
    return this.users.send('users.whoami', {});
  }

  @Post()
  echo(@Body() body: unknown) {
    return body;
  }
}

const ENV = { NODE_ENV: 'test', RATE_LIMIT_PER_MINUTE, LOGIN_RATE_LIMIT_PER_MINUTE: 5, CORS_ORIGINS: 'https://shop.example.com' };

@Global()
@Module({
  providers: [
    { provide: ConfigService, useValue: new ConfigService(ENV) },
    { provide: RuntimeSettings, useValue: RuntimeSettings.fromEnvironment(ENV) },
  ],
  exports: [ConfigService, RuntimeSettings],
})
class TestConfigModule {}

@Module({
  imports: [
    TestConfigModule,
    ThrottlerModule.forRootAsync({ inject: [RuntimeSettings], useFactory: throttlingOptions }),
    MessagingModule.forTopology(topologyFromEnv({ TRANSPORT: 'inproc' }, { kind: 'monolith' }, ['users']), ['users']),
  ],
  controllers: [ProbeHttpController, ProbeUsersMessagesController],
  providers: [MemoizedReflector, RateLimiter, { provide: APP_GUARD, useClass: GatewayThrottlerGuard }],
})
class ProbeAppModule {}

describe('X-Request-Id at the gateway', () => {
  let app: NestFastifyApplication;
  const logLines: string[] = [];
  let nextClient = 1;

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const logger = createRootLogger('request-id-spec', 'info', destination);
    app = await NestFactory.create<NestFastifyApplication>(ProbeAppModule, createFastifyAdapter(logger), { logger: new PinoNestLogger(logger) });
    await configureHttpApp(app);
    await startContextServers(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  // Each test its own client address, so that only the test about rate limits meets them.
  async function call(url: string, options: { method?: 'GET' | 'POST'; requestId?: string; payload?: string; from?: string } = {}) {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(options.requestId !== undefined ? { 'x-request-id': options.requestId } : {}),
    };
    const response = await app.inject({
      method: options.method ?? 'GET',
      url,
      headers,
      payload: options.payload,
      remoteAddress: options.from ?? `10.0.0.${nextClient++}`,
    });
    return {
      status: response.statusCode,
      requestId: response.headers['x-request-id'],
      contentType: String(response.headers['content-type']),
      body: response.body,
    };
  }

  const linesWith = (id: string) =>
    logLines.filter((line) => line.includes(id)).map((line) => ({ raw: line, json: JSON.parse(line) as Record<string, unknown> }));

  it('takes a usable X-Request-Id as the request’s id: echoed, carried to the contexts, on its log lines once under correlationId', async () => {
    const [first, second] = await Promise.all([call('/probe', { requestId: 'client-req-0001' }), call('/probe', { requestId: 'client-req-0002' })]);
    expect(first).toMatchObject({ status: 200, requestId: 'client-req-0001' });
    expect(JSON.parse(first.body)).toEqual({ correlationId: 'client-req-0001' });
    expect(JSON.parse(second.body)).toEqual({ correlationId: 'client-req-0002' });

    const lines = linesWith('client-req-0001');
    expect(lines.map(({ json }) => json.msg)).toEqual(expect.arrayContaining(['incoming request', 'asking users who is asking', 'request completed']));
    for (const { raw, json } of lines) {
      expect(json.correlationId).toBe('client-req-0001');
      expect(raw.match(/"correlationId"/g)).toHaveLength(1);
    }
  });

  it('names a request by a fresh UUID when X-Request-Id is missing or unusable', async () => {
    const missing = await call('/probe');
    expect(missing.requestId).toMatch(UUID);
    expect(JSON.parse(missing.body)).toEqual({ correlationId: missing.requestId });
    for (const unusable of ['has spaces in it', 'x'.repeat(129), 'a"quote', '']) {
      const response = await call('/probe', { requestId: unusable });
      expect(response.requestId).toMatch(UUID);
    }
  });

  it('names the request in every error answer too', async () => {
    const notFound = await call('/nowhere', { requestId: 'err-404' });
    expect(notFound).toMatchObject({ status: 404, requestId: 'err-404', contentType: expect.stringMatching(/^application\/problem\+json/) });
    expect(await call('/probe', { method: 'POST', payload: '{"broken":', requestId: 'err-400' })).toMatchObject({ status: 400, requestId: 'err-400' });
    expect(await call('/probe', { method: 'POST', payload: JSON.stringify({ big: 'x'.repeat(BODY_LIMIT_BYTES) }), requestId: 'err-413' })).toMatchObject({
      status: 413,
      requestId: 'err-413',
    });
    expect(await call('/probe/%E0%A4%A', { requestId: 'err-bad-url' })).toMatchObject({ status: 400, requestId: 'err-bad-url' });

    const from = '10.9.9.9';
    for (let i = 0; i < RATE_LIMIT_PER_MINUTE; i++) expect((await call('/probe', { from })).status).toBe(200);
    expect(await call('/probe', { from, requestId: 'err-429' })).toMatchObject({
      status: 429,
      requestId: 'err-429',
      contentType: expect.stringMatching(/^application\/problem\+json/),
    });
  });
});
