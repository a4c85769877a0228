import { Controller, INestApplication, Module } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ERROR_CODES } from '@tessera/contracts';
import { DomainError, ValidationError } from '@tessera/shared-kernel';
import { createServer } from 'node:net';
import { ContextClient, contextClientToken } from './context-client';
import { startContextServers } from './context-servers';
import { RemoteError } from './errors/remote.error';
import { IntegrationEventPublisher } from './integration-event.publisher';
import { MessagesController } from './messages-controller.decorator';
import { MessagingModule } from './messaging.module';
import { Topology } from './topology/topology';

/**
 * One suite of message scenarios, run over every transport: a test that
 * passes in process must mean the same thing over the wire.
 */
const received: unknown[] = [];

@MessagesController()
class ProbeMessagesController {
  private readonly stored = { items: ['kept'] };

  @MessagePattern('users.echo')
  echo(@Payload() payload: unknown) {
    return { payload, type: typeof (payload as { at?: unknown }).at };
  }

  @MessagePattern('users.get-stored')
  getStored() {
    return this.stored;
  }

  @MessagePattern('users.refuse')
  refuse() {
    throw new ValidationError([{ field: 'email', message: 'must be an email' }]);
  }

  @MessagePattern('users.conflict')
  conflict() {
    throw new DomainError('EMAIL_TAKEN', 'That email is taken');
  }

  @MessagePattern('users.decline')
  decline() {
    throw new DomainError('PAYMENT_DECLINED', 'Declined', { paymentId: 'p-1' });
  }

  @MessagePattern('users.crash')
  crash() {
    throw new Error('relation "users"."secret" does not exist');
  }

  @MessagePattern('users.sleep')
  async sleep(@Payload() { ms }: { ms: number }) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { slept: ms };
  }

  @EventPattern('ordering.order.cancelled')
  first(@Payload() event: unknown) {
    received.push({ by: 'first', event });
  }

  @EventPattern('payments.probe.failed')
  failing() {
    throw new Error('the subscriber could not process it');
  }
}

@Controller()
class SecondSubscriberController {
  @EventPattern('ordering.order.cancelled')
  second(@Payload() event: unknown) {
    received.push({ by: 'second', event });
  }
}

@Module({ controllers: [ProbeMessagesController, SecondSubscriberController] })
class ProbeContextModule {}

function topology(transport: Topology['transport'], hosted: Topology['hosted'], port: number): Topology {
  const address = { host: '127.0.0.1', port };
  return { transport, hosted, requestTimeoutMs: 400, tcpAddresses: { users: address, catalog: address, ordering: address, payments: address } };
}

async function startApp(t: Topology, withContext: boolean): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [MessagingModule.forTopology(t, ['payments']), ...(withContext ? [ProbeContextModule] : [])],
  }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  await startContextServers(app);
  await app.init();
  return app;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function eventually(check: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

type Setup = { client: ContextClient; publisher: IntegrationEventPublisher; close: () => Promise<void> };

const transports: [string, () => Promise<Setup>][] = [
  [
    'in process',
    async () => {
      const app = await startApp(topology('inproc', ['payments'], 0), true);
      return { client: app.get(contextClientToken('payments')), publisher: app.get(IntegrationEventPublisher), close: () => app.close() };
    },
  ],
  [
    'over TCP',
    async () => {
      const port = await freePort();
      const server = await startApp(topology('tcp', ['payments'], port), true);
      const caller = await startApp(topology('tcp', [], port), false);
      return {
        client: caller.get(contextClientToken('payments')),
        publisher: caller.get(IntegrationEventPublisher),
        close: async () => {
          await caller.close();
          await server.close();
        },
      };
    },
  ],
];

describe.each(transports)('messaging contract %s', (_name, setUp) => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await setUp();
  });

  afterAll(async () => {
    await setup.close();
  });

  beforeEach(() => {
    received.length = 0;
  });

  it('delivers the request as JSON: a Date arrives as an ISO string', async () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const reply = await setup.client.send<{ payload: { at: string }; type: string }>('users.echo', { at });
    expect(reply).toEqual({ payload: { at: '2026-01-02T03:04:05.000Z' }, type: 'string' });
  });

  it('answers a copy, so a caller cannot change the handler state by reference', async () => {
    const first = await setup.client.send<{ items: string[] }>('users.get-stored', {});
    first.items.push('changed by caller');
    expect(await setup.client.send('users.get-stored', {})).toEqual({ items: ['kept'] });
  });

  it('carries a domain error as its code, message and field problems', async () => {
    await expect(setup.client.send('users.refuse', {})).rejects.toMatchObject({
      code: ERROR_CODES.VALIDATION_FAILED,
      errors: [{ field: 'email', message: 'must be an email' }],
    });
    await expect(setup.client.send('users.conflict', {})).rejects.toEqual(new RemoteError('EMAIL_TAKEN', 'That email is taken'));
    await expect(setup.client.send('users.decline', {})).rejects.toMatchObject({ code: 'PAYMENT_DECLINED', details: { paymentId: 'p-1' } });
  });

  it('hides an unexpected failure behind INTERNAL, with no internal text', async () => {
    const error = await setup.client.send('users.crash', {}).catch((e: RemoteError) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).code).toBe(ERROR_CODES.INTERNAL);
    expect((error as RemoteError).message).not.toMatch(/secret|relation/);
  });

  it('fails fast with NO_HANDLER for a pattern nobody serves', async () => {
    const started = Date.now();
    await expect(setup.client.send('users.unknown-pattern', {})).rejects.toMatchObject({ code: ERROR_CODES.NO_HANDLER });
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('gives up on a slow answer after the timeout with CONTEXT_UNAVAILABLE', async () => {
    await expect(setup.client.send('users.sleep', { ms: 1000 })).rejects.toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });
    await expect(setup.client.send('users.sleep', { ms: 10 }, { timeoutMs: 2000 })).resolves.toEqual({ slept: 10 });
  });

  it('delivers an event to every subscriber', async () => {
    await setup.publisher.publish('ordering.order.cancelled', { orderId: 'o-1' });
    await eventually(() =>
      expect(received).toEqual(
        expect.arrayContaining([
          { by: 'first', event: { orderId: 'o-1' } },
          { by: 'second', event: { orderId: 'o-1' } },
        ]),
      ),
    );
  });
});

describe('in-process event delivery', () => {
  it('fails the publish when a subscriber fails, so the outbox delivers the event again', async () => {
    const app = await startApp(topology('inproc', ['payments'], 0), true);
    try {
      await expect(app.get(IntegrationEventPublisher).publish('payments.probe.failed', {})).rejects.toBeDefined();
    } finally {
      await app.close();
    }
  });
});

describe('messaging over TCP to a context that is not running', () => {
  it('answers CONTEXT_UNAVAILABLE quickly', async () => {
    const caller = await startApp(topology('tcp', [], await freePort()), false);
    try {
      await expect(caller.get(IntegrationEventPublisher).publish('ordering.order.cancelled', { orderId: 'o-1' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      const started = Date.now();
      await expect(caller.get<ContextClient>(contextClientToken('payments')).send('users.echo', {})).rejects.toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await caller.close();
    }
  });
});
