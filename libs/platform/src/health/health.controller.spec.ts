import { ServiceUnavailableException } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModule } from '@nestjs/testing';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import type { ContextName } from '@tessera/contracts';
import { TOPOLOGY, topologyFromEnv } from '@tessera/messaging';
import { BrokerHealthIndicator } from './broker-health.indicator';
import { ContextHealthIndicator, ContextReach } from './context-health.indicator';
import { HealthController, REACHED_CONTEXTS } from './health.controller';
import { RedisHealthIndicator } from './redis-health.indicator';

const CONTEXTS: ContextName[] = ['users', 'catalog', 'ordering', 'payments'];

interface World {
  hosted: ContextName[];
  contexts: Partial<Record<ContextName, ContextReach['status']>>;
  broker?: boolean;
  redis?: boolean;
}

async function moduleIn(world: World): Promise<TestingModule> {
  const indicators = new HealthIndicatorService();
  const status = (context: ContextName) => world.contexts[context] ?? 'up';
  const topology = { ...topologyFromEnv({ TRANSPORT: 'nats' }, { kind: 'gateway' }, []), hosted: world.hosted };
  return Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [
      { provide: TOPOLOGY, useValue: topology },
      { provide: REACHED_CONTEXTS, useValue: CONTEXTS },
      {
        provide: ContextHealthIndicator,
        useValue: {
          check: async (context: ContextName) =>
            status(context) === 'up' ? indicators.check(context).up() : indicators.check(context).down({ message: `${context} is unavailable` }),
          reach: async (context: ContextName): Promise<ContextReach> =>
            status(context) === 'up' ? { status: 'up', latencyMs: 2 } : { status: status(context) },
        },
      },
      {
        provide: BrokerHealthIndicator,
        useValue: {
          applies: world.broker !== undefined,
          check: async () => (world.broker ? indicators.check('nats').up() : indicators.check('nats').down({ message: 'nats is not reachable' })),
        },
      },
      {
        provide: RedisHealthIndicator,
        useValue: {
          applies: world.redis !== undefined,
          check: async () =>
            world.redis ? indicators.check('redis').up() : indicators.check('redis').down({ message: 'redis is not reachable or does not take writes' }),
        },
      },
    ],
  }).compile();
}

async function controllerIn(world: World): Promise<HealthController> {
  return (await moduleIn(world)).get(HealthController);
}

async function readinessFailure(controller: HealthController): Promise<Record<string, unknown>> {
  const failure = await controller.ready().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(ServiceUnavailableException);
  return (failure as ServiceUnavailableException).getResponse() as Record<string, unknown>;
}

describe('HealthController', () => {
  it('keeps a gateway ready while a context in another process is down, and shows that context in /health/contexts', async () => {
    const controller = await controllerIn({ hosted: [], contexts: { catalog: 'down', payments: 'circuit-open' }, broker: true });

    await expect(controller.ready()).resolves.toMatchObject({ status: 'ok', details: { nats: { status: 'up' } } });
    await expect(controller.contextsHealth()).resolves.toEqual({
      contexts: {
        users: { status: 'up', latencyMs: 2 },
        catalog: { status: 'down' },
        ordering: { status: 'up', latencyMs: 2 },
        payments: { status: 'circuit-open' },
      },
    });
  });

  it('is not ready when a context it hosts does not answer, naming it', async () => {
    const controller = await controllerIn({ hosted: ['users', 'catalog'], contexts: { catalog: 'down' } });
    const body = await readinessFailure(controller);
    expect(body.error).toEqual({ catalog: { status: 'down', message: 'catalog is unavailable' } });
    expect(body.info).toEqual({ users: { status: 'up' } });
  });

  it('is not ready without its broker, naming it', async () => {
    const body = await readinessFailure(await controllerIn({ hosted: ['ordering'], contexts: {}, broker: false }));
    expect(body.error).toEqual({ nats: { status: 'down', message: 'nats is not reachable' } });
  });

  it('stays ready without Redis, which /health/contexts shows down', async () => {
    const controller = await controllerIn({ hosted: ['users'], contexts: {}, redis: false });
    await expect(controller.ready()).resolves.toMatchObject({ status: 'ok' });
    await expect(controller.contextsHealth()).resolves.toMatchObject({ redis: { status: 'down' } });
  });

  it('shows no Redis where REDIS_URL is not set', async () => {
    expect(await (await controllerIn({ hosted: [], contexts: {} })).contextsHealth()).not.toHaveProperty('redis');
  });

  it('answers a failed readiness over HTTP as a problem+json 503 NOT_READY naming the part, as a context process does too', async () => {
    const app = (await moduleIn({ hosted: ['payments'], contexts: { payments: 'down' }, broker: true })).createNestApplication<NestFastifyApplication>(
      new FastifyAdapter(),
      { logger: false },
    );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      const answer = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.json()).toMatchObject({
        status: 503,
        code: 'NOT_READY',
        detail: expect.stringMatching(/payments/),
        error: { payments: { status: 'down' } },
        info: { nats: { status: 'up' } },
      });
    } finally {
      await app.close();
    }
  });
});
