import { ConfigService } from '@nestjs/config';
import { InProcessBroker } from './inproc/in-process.broker';
import { DeadLetters } from './persistence/dead-letters';
import { MESSAGING_CONTEXT } from './persistence/messaging-context';
import { MessageHandling } from './handling/message-handling';
import { FakeDeadLetters } from './testing/fake-dead-letters';
import { FakeInbox } from './testing/fake-inbox';
import { deadLettersMessagesControllerFor } from './persistence/dead-letters.messages.controller';
import { INestApplication, Module } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { CATALOG_EVENTS, CONTEXT_NAMES, ContextName, DEAD_LETTER_PATTERNS, DeadLetterSlice, ERROR_CODES } from '@tessera/contracts';
import type { IntegrationEventEnvelope } from '@tessera/contracts';
import { DomainError, ValidationError } from '@tessera/shared-kernel';
import { randomUUID } from 'node:crypto';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContextClient, contextClientToken } from './context-client';
import { startContextServers } from './context-servers';
import { RemoteError } from './errors/remote.error';
import { currentCorrelationId, runWithCorrelation } from './correlation/correlation.store';
import { IntegrationEventPublisher } from './integration-event.publisher';
import { MessagesController } from './messages-controller.decorator';
import { MessagingModule } from './messaging.module';
import { TcpAddress, Topology } from './topology/topology';
import type { RabbitEventQueueType } from './rmq/event-queue-type';
import {
  natsWanted,
  rabbitmqWanted,
  removeNatsNamespace,
  removeRabbitNamespace,
  TEST_NATS_URL,
  TEST_RABBITMQ_URL,
  testNamespace,
} from '../../../test/harness/brokers';
import { untilPasses } from '../../../test/harness/eventually';
import { freePort } from '../../../test/harness/processes';
import { describeWith } from '../../../test/harness/services';
import { suiteFolder } from '../../../test/harness/suite-folder';

// Each case starts or stops Nest apps over its transport and waits on conditions for up to 20 s (untilPasses), which
// jest's default 5 s per case and hook cut short on a busy 2-core machine: CI once failed a RabbitMQ case there.
jest.setTimeout(30_000);

/**
 * One suite of message scenarios, run over every transport: a test that
 * passes in process must mean the same thing over the wire.
 */
const received: { by: string; event: unknown; instance?: string; correlationId?: string }[] = [];
const deliveries = new Map<string, number>();

/** The probe context's own state, shared by every process of the suite as its database would be: an inbox, and what processing did. */
const inbox = new FakeInbox();
const effects = new Map<string, number>();
/** How many more times the probe's handler fails an event before it works; Infinity until a test "deploys the fix". */
const failuresAhead = new Map<string, number>();
/** How many `users.sleep` requests the handlers have begun, so that a case can stop a process once it holds them. */
let sleepsBegun = 0;

@MessagesController('ordering')
class ProbeMessagesController {
  private readonly stored = { items: ['kept'] };
  private readonly instance = randomUUID();

  @MessagePattern('users.echo')
  echo(@Payload() payload: unknown) {
    return { payload, type: typeof (payload as { at?: unknown }).at };
  }

  @MessagePattern('users.get-stored')
  getStored() {
    return this.stored;
  }

  /** A page of `rows` rows of about 1.6 KB each, as a long list of large orders is. */
  @MessagePattern('users.large-page')
  largePage(@Payload() { rows }: { rows: number }) {
    return { rows: Array.from({ length: rows }, (_, n) => ({ n, text: `${n}:${'x€'.repeat(400)}` })) };
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
    sleepsBegun++;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { slept: ms };
  }

  @MessagePattern('users.which-request')
  whichRequest() {
    return { correlationId: currentCorrelationId() ?? null };
  }

  @MessagePattern('users.which-instance')
  whichInstance() {
    return { instance: this.instance };
  }

  @EventPattern('payments.payment.succeeded')
  failsOnFirstDelivery(@Payload() event: { paymentId: string; failAlways?: boolean }) {
    const attempts = (deliveries.get(event.paymentId) ?? 0) + 1;
    deliveries.set(event.paymentId, attempts);
    if (attempts === 1 || event.failAlways) throw new Error('not this time');
  }

  @EventPattern(CATALOG_EVENTS.RESERVATION_EXPIRED)
  async processOnce(@Payload() event: IntegrationEventEnvelope) {
    await inbox.processOnce(event, 'ordering.probe', async () => {
      const failures = failuresAhead.get(event.eventId) ?? 0;
      if (failures > 0) {
        failuresAhead.set(event.eventId, failures - 1);
        throw new Error('the probe cannot process it yet');
      }
      effects.set(event.eventId, (effects.get(event.eventId) ?? 0) + 1);
    });
  }

  @EventPattern('payments.probe.failed')
  failing() {
    throw new Error('the subscriber could not process it');
  }
}

/** The probe process's payments, a subscriber of ordering.order.cancelled. */
@MessagesController('payments')
class PaymentsProbeMessagesController {
  @EventPattern('ordering.order.cancelled')
  first(@Payload() event: unknown) {
    received.push({ by: 'first', event, correlationId: currentCorrelationId() });
  }
}

/** The probe process's catalog, the other subscriber of ordering.order.cancelled, hosted beside payments as a split may. */
@MessagesController('catalog')
class CatalogProbeMessagesController {
  @EventPattern('ordering.order.cancelled')
  second(@Payload() event: unknown) {
    received.push({ by: 'second', event });
  }
}

/** The probe context's failed deliveries, shared by every process of the suite, as one database would be. */
const deadLetters = new FakeDeadLetters();
const PROBE_MAX_ATTEMPTS = 3;

@Module({
  controllers: [ProbeMessagesController, deadLettersMessagesControllerFor('ordering')],
  providers: [
    { provide: DeadLetters, useValue: deadLetters.asDeadLetters() },
    { provide: MESSAGING_CONTEXT, useValue: 'ordering' },
    { provide: ConfigService, useValue: new ConfigService({ EVENT_MAX_ATTEMPTS: PROBE_MAX_ATTEMPTS }) },
    MessageHandling,
  ],
})
class ProbeContextModule {}

// Without persistence of their own, so without the delivery rule: they count what they are handed.
@Module({ controllers: [PaymentsProbeMessagesController] })
class PaymentsProbeModule {}

@Module({ controllers: [CatalogProbeMessagesController] })
class CatalogProbeModule {}

function topology(
  transport: Topology['transport'],
  hosted: Topology['hosted'],
  namespace: string,
  ports: Ports,
  rabbitmqEventQueueType: RabbitEventQueueType = 'classic',
): Topology {
  const at = (port: number) => ({ host: '127.0.0.1', port });
  return {
    transport,
    hosted,
    // Long enough for any answer on a busy machine, the first over a broker's new connection included (400 ms once
    // failed CI's first RabbitMQ request): a case about timeouts gives its request a short timeout of its own.
    requestTimeoutMs: 10_000,
    // In process, the gateway, a subscriber of the reservation events, is hosted as in every monolith, its handlers left out.
    hostsGateway: transport === 'inproc',
    tcpAddresses: Object.fromEntries(
      CONTEXT_NAMES.map((context) => [context, [at((ports as Partial<Record<ContextName, number>>)[context] ?? ports.payments)]]),
    ) as Record<ContextName, TcpAddress[]>,
    tcpListenAddresses: { users: at(ports.users), ordering: at(ports.ordering), payments: at(ports.payments), catalog: at(ports.catalog) },
    tcpBalancing: 'least-pending',
    gatewayTcpAddress: at(ports.users),
    gatewayTcpAddresses: [],
    natsUrls: [TEST_NATS_URL],
    natsStreamReplicas: 1,
    rabbitmqUrls: [TEST_RABBITMQ_URL],
    rabbitmqEventQueueType,
    namespace,
  };
}

/** The probe context's process: it serves users' requests, and hosts every context that consumes the events it publishes. */
const SERVED: Topology['hosted'] = ['users', 'ordering', 'payments', 'catalog'];

async function startApp(t: Topology, withContext: boolean): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [MessagingModule.forTopology(t, CONTEXT_NAMES), ...(withContext ? [ProbeContextModule, PaymentsProbeModule, CatalogProbeModule] : [])],
  }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  await startContextServers(app);
  await app.init();
  return app;
}

/** A port for each context the probe process hosts; a context added to the contracts later is reached at payments'. */
type Ports = Record<'users' | 'ordering' | 'payments' | 'catalog', number>;

async function freePorts(): Promise<Ports> {
  return { users: await freePort(), ordering: await freePort(), payments: await freePort(), catalog: await freePort() };
}

/** On a broker nobody listens on a port. */
const NO_PORTS: Ports = { users: 0, ordering: 0, payments: 0, catalog: 0 };

type NetworkTransport = Exclude<Topology['transport'], 'inproc'>;

const namespaces = new Map<string, { transport: NetworkTransport; namespace: string }>();

/** A namespace per transport, and one more on RabbitMQ for quorum queues: a queue of one type refuses the other's declaration. */
function namespaceFor(transport: NetworkTransport, eventQueueType: RabbitEventQueueType = 'classic'): string {
  const key = eventQueueType === 'quorum' ? `${transport}-quorum` : transport;
  if (!namespaces.has(key)) namespaces.set(key, { transport, namespace: testNamespace(`contract-${key}`) });
  return namespaces.get(key)!.namespace;
}

async function removeNamespaces(): Promise<void> {
  for (const { transport, namespace } of namespaces.values()) {
    if (transport === 'nats') await removeNatsNamespace(namespace);
    if (transport === 'rmq') await removeRabbitNamespace(namespace);
  }
}

type Setup = { client: ContextClient; clientOf: (context: ContextName) => ContextClient; publisher: IntegrationEventPublisher; close: () => Promise<void> };

/** A process serving the probe context and a caller hosting nothing, over one network transport. */
async function overTheWire(transport: NetworkTransport, ports: Ports, eventQueueType: RabbitEventQueueType = 'classic'): Promise<Setup> {
  const namespace = namespaceFor(transport, eventQueueType);
  const server = await startApp(topology(transport, SERVED, namespace, ports, eventQueueType), true);
  const caller = await startApp(topology(transport, [], namespace, ports, eventQueueType), false);
  return {
    client: caller.get(contextClientToken('users')),
    clientOf: (context) => caller.get(contextClientToken(context)),
    publisher: caller.get(IntegrationEventPublisher),
    close: async () => {
      await caller.close();
      await server.close();
    },
  };
}

const brokers: [string, NetworkTransport, boolean][] = [
  ['over NATS', 'nats', natsWanted()],
  ['over RabbitMQ', 'rmq', rabbitmqWanted()],
];

const transports: [string, () => Promise<Setup>][] = [
  [
    'in process',
    async () => {
      const app = await startApp(topology('inproc', CONTEXT_NAMES, 'unused', await freePorts()), true);
      return {
        client: app.get(contextClientToken('users')),
        clientOf: (context) => app.get(contextClientToken(context)),
        publisher: app.get(IntegrationEventPublisher),
        close: () => app.close(),
      };
    },
  ],
  ['over TCP', async () => overTheWire('tcp', await freePorts())],
  ...brokers.filter(([, , wanted]) => wanted).map(([name, transport]): [string, () => Promise<Setup>] => [name, () => overTheWire(transport, NO_PORTS)]),
  // What a RabbitMQ cluster runs on (ADR 0026): the same promises, kept by quorum event and retry queues.
  ...(rabbitmqWanted() ? [['over RabbitMQ, quorum event queues', () => overTheWire('rmq', NO_PORTS, 'quorum')] as [string, () => Promise<Setup>]] : []),
];

afterAll(async () => {
  await removeNamespaces();
});

/** Publishes as the outbox does: again after each refusal (in process and over TCP a refusal is the subscriber's failure), until one is taken. */
async function publishAsTheOutboxWould(publisher: IntegrationEventPublisher, pattern: string, event: object): Promise<void> {
  for (let sent = 0; sent <= PROBE_MAX_ATTEMPTS; sent++) {
    if (
      await publisher.publish(pattern, event).then(
        () => true,
        () => false,
      )
    )
      return;
  }
}

function reservationExpired(): { eventId: string; reservationId: string; lines: [] } {
  return { eventId: randomUUID(), reservationId: randomUUID(), lines: [] };
}

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

  it("answers a reply of several megabytes whole, past NATS' one-megabyte message limit", async () => {
    // Megabytes to copy, frame and parse on a machine CI shares: the setup's short default timeout is for the cases
    // that wait one out, and this one is about the reply arriving whole.
    const reply = await setup.client.send<{ rows: { n: number; text: string }[] }>('users.large-page', { rows: 1500 }, { timeoutMs: 30_000 });
    expect(reply.rows).toHaveLength(1500);
    expect(reply.rows.every((row, n) => row.n === n && row.text === `${n}:${'x€'.repeat(400)}`)).toBe(true);
  }, 60_000);

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
    // NO_HANDLER is the answer itself: a request left to time out would end CONTEXT_UNAVAILABLE instead.
    await expect(setup.client.send('users.unknown-pattern', {}, { timeoutMs: 60_000 })).rejects.toMatchObject({ code: ERROR_CODES.NO_HANDLER });
  });

  it('gives up on a slow answer after the timeout with CONTEXT_UNAVAILABLE', async () => {
    await expect(setup.client.send('users.sleep', { ms: 1000 }, { timeoutMs: 400 })).rejects.toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });
    await expect(setup.client.send('users.sleep', { ms: 10 }, { timeoutMs: 2000 })).resolves.toEqual({ slept: 10 });
  });

  it('answers each of many requests in flight at once with its own reply, the late answer of one given up on included', async () => {
    const givenUp = setup.client.send('users.sleep', { ms: 400 }, { timeoutMs: 100 });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, n) => setup.client.send<{ payload: { n: number } }>('users.echo', { n }, { timeoutMs: 10_000 })),
    );
    expect(answers.map((answer) => answer.payload.n)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    await expect(givenUp).rejects.toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });
    // The given-up request's answer comes while these wait; it must reach none of them.
    const later = await Promise.all([450, 10, 200].map((ms) => setup.client.send<{ slept: number }>('users.sleep', { ms }, { timeoutMs: 10_000 })));
    expect(later).toEqual([{ slept: 450 }, { slept: 10 }, { slept: 200 }]);
  }, 30_000);

  it('carries the correlation id of the request that sent a message, or none', async () => {
    await expect(runWithCorrelation('req-contract-1', () => setup.client.send('users.which-request', {}))).resolves.toEqual({
      correlationId: 'req-contract-1',
    });
    await expect(setup.client.send('users.which-request', {})).resolves.toEqual({ correlationId: null });
  });

  it('hands an event to its subscribers on behalf of the request that published it', async () => {
    await runWithCorrelation('req-contract-2', () => setup.publisher.publish('ordering.order.cancelled', { orderId: 'o-correlated' }));
    await untilPasses(() =>
      expect(received).toEqual(
        expect.arrayContaining([expect.objectContaining({ by: 'first', event: { orderId: 'o-correlated' }, correlationId: 'req-contract-2' })]),
      ),
    );
  });

  it('makes an event whose handler keeps failing a dead letter of its subscriber after EVENT_MAX_ATTEMPTS, and keeps the next events flowing', async () => {
    const poisoned = { eventId: randomUUID(), paymentId: randomUUID(), failAlways: true };
    // Without a broker the outbox sends again until the subscriber takes it; a broker redelivers by itself.
    for (let sent = 0; sent <= PROBE_MAX_ATTEMPTS; sent++) {
      if (
        await setup.publisher.publish('payments.payment.succeeded', poisoned).then(
          () => true,
          () => false,
        )
      )
        break;
    }
    await untilPasses(() => expect(deadLetters.deadOf('ordering')).toContain(poisoned.eventId), 20_000, 100);
    expect(deliveries.get(poisoned.paymentId)).toBe(PROBE_MAX_ATTEMPTS);

    const next = { eventId: randomUUID(), orderId: `o-after-${poisoned.paymentId}` };
    await setup.publisher.publish('ordering.order.cancelled', next);
    await untilPasses(() => expect(received).toEqual(expect.arrayContaining([expect.objectContaining({ by: 'first', event: next })])), 10_000);
    // Sent again, the dead letter is taken without running its handler: it waits for an operator.
    await setup.publisher.publish('payments.payment.succeeded', poisoned);
    expect(deliveries.get(poisoned.paymentId)).toBe(PROBE_MAX_ATTEMPTS);
  });

  it('processes once an event whose handler failed before it worked', async () => {
    const event = reservationExpired();
    failuresAhead.set(event.eventId, PROBE_MAX_ATTEMPTS - 1);
    await publishAsTheOutboxWould(setup.publisher, CATALOG_EVENTS.RESERVATION_EXPIRED, event);
    await untilPasses(() => expect(effects.get(event.eventId)).toBe(1), 20_000, 50);
    expect(deadLetters.deadOf('ordering')).not.toContain(event.eventId);
  });

  it('processes once an event delivered twice', async () => {
    const event = reservationExpired();
    const next = reservationExpired();
    await setup.publisher.publish(CATALOG_EVENTS.RESERVATION_EXPIRED, event);
    await setup.publisher.publish(CATALOG_EVENTS.RESERVATION_EXPIRED, event);
    await setup.publisher.publish(CATALOG_EVENTS.RESERVATION_EXPIRED, next);
    // Each subscriber takes its events in order: once the next one is processed, the copy has been through.
    await untilPasses(() => expect(effects.get(next.eventId)).toBe(1), 10_000);
    expect(effects.get(event.eventId)).toBe(1);
  });

  it('processes a dead letter once when an operator replays it after the fix; a replay that fails answers so, and leaves it a dead letter', async () => {
    const event = reservationExpired();
    failuresAhead.set(event.eventId, Infinity);
    await publishAsTheOutboxWould(setup.publisher, CATALOG_EVENTS.RESERVATION_EXPIRED, event);
    await untilPasses(() => expect(deadLetters.deadOf('ordering')).toContain(event.eventId), 20_000, 100);

    const ordering = setup.clientOf('ordering');
    const letterOf = async () => {
      const { items } = await ordering.send<DeadLetterSlice>(DEAD_LETTER_PATTERNS.ordering.LIST, {
        offset: 0,
        limit: 1000,
        pattern: CATALOG_EVENTS.RESERVATION_EXPIRED,
      });
      return items.find((item) => item.eventId === event.eventId);
    };
    const letter = (await letterOf())!;
    expect(letter).toMatchObject({ consumer: 'ordering', attempts: PROBE_MAX_ATTEMPTS, payload: event });

    const replay = () => ordering.send(DEAD_LETTER_PATTERNS.ordering.REPLAY, { id: letter.id, requestedBy: 'admin@contract.test' });
    await expect(replay()).rejects.toMatchObject({ code: ERROR_CODES.INTERNAL, message: expect.stringMatching(/replay failed/) });
    await expect(letterOf()).resolves.toMatchObject({ id: letter.id, attempts: PROBE_MAX_ATTEMPTS + 1 });

    failuresAhead.delete(event.eventId);
    await expect(replay()).resolves.toEqual({ id: letter.id, status: 'REPLAYED' });
    expect(effects.get(event.eventId)).toBe(1);
    await expect(letterOf()).resolves.toBeUndefined();
    await expect(replay()).rejects.toMatchObject({ code: ERROR_CODES.DEAD_LETTER_NOT_FOUND });
    expect(effects.get(event.eventId)).toBe(1);
  });

  it('delivers an event to the subscribers it is sent to only, as the outbox sends it again to those that did not take it', async () => {
    const [event, next] = [{ orderId: `o-only-${randomUUID()}` }, { orderId: `o-only-next-${randomUUID()}` }];
    const handed = (by: string, orderId: string) => received.filter((entry) => entry.by === by && (entry.event as { orderId: string }).orderId === orderId);
    await setup.publisher.publish('ordering.order.cancelled', event, ['catalog']);
    await setup.publisher.publish('ordering.order.cancelled', next);
    // Each subscriber takes its events in order: once both have the next one, whatever the first brought has been handed.
    await untilPasses(() => expect([handed('first', next.orderId), handed('second', next.orderId)].map((entries) => entries.length)).toEqual([1, 1]));
    expect(handed('first', event.orderId)).toEqual([]);
    expect(handed('second', event.orderId)).toEqual([{ by: 'second', event }]);
  });

  it('delivers an event to each of its subscribers once, two of them hosted in one process', async () => {
    const [event, next] = [{ orderId: `o-${randomUUID()}` }, { orderId: `o-next-${randomUUID()}` }];
    const handed = (by: string, orderId: string) => received.filter((entry) => entry.by === by && (entry.event as { orderId: string }).orderId === orderId);
    await setup.publisher.publish('ordering.order.cancelled', event);
    await setup.publisher.publish('ordering.order.cancelled', next);
    // Each subscriber takes its events in order: once both have the next one, whatever the first brought has been handed.
    await untilPasses(() => expect([handed('first', next.orderId), handed('second', next.orderId)].map((entries) => entries.length)).toEqual([1, 1]));
    expect(handed('first', event.orderId)).toEqual([expect.objectContaining({ event })]);
    expect(handed('second', event.orderId)).toEqual([{ by: 'second', event }]);
  });
});

// Brokers keep an event once it is published and redeliver it themselves; without one, only the subscriber's answer counts.
describe.each(transports.slice(0, 2))('event delivery without a broker, %s', (_name, start) => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await start();
  });

  afterAll(async () => {
    await setup?.close();
  });

  it("counts a delivery done only once the subscriber's handler finished: a failing handler fails the publish, so the outbox sends it again", async () => {
    const paymentId = randomUUID();
    await expect(setup.publisher.publish('payments.payment.succeeded', { paymentId })).rejects.toBeDefined();
    await expect(setup.publisher.publish('payments.payment.succeeded', { paymentId })).resolves.toBeUndefined();
    expect(deliveries.get(paymentId)).toBe(2);
  });

  it('names the subscribers that took an event another one failed, so that the outbox sends it again to that one only', async () => {
    const event = reservationExpired();
    failuresAhead.set(event.eventId, 1);
    await expect(setup.publisher.publish(CATALOG_EVENTS.RESERVATION_EXPIRED, event)).rejects.toMatchObject({
      taken: ['gateway'],
      failures: [{ subscriber: 'ordering' }],
    });
    await setup.publisher.publish(CATALOG_EVENTS.RESERVATION_EXPIRED, event, ['ordering']);
    expect(effects.get(event.eventId)).toBe(1);
  });
});

describe('in-process event delivery', () => {
  it('fails the publish of an event a context of this process consumes while no handler listens yet, so the outbox tries again', async () => {
    const broker = new InProcessBroker();
    await expect(broker.publish('ordering.order.cancelled', { orderId: 'o-early' }, true)).rejects.toThrow(/listening/);
    await expect(broker.publish('nobody.listens.here', {})).resolves.toBeUndefined();
  });

  it('answers CONTEXT_UNAVAILABLE, not NO_HANDLER, to a request that comes while the process stops', async () => {
    const app = await startApp(topology('inproc', CONTEXT_NAMES, 'unused', await freePorts()), true);
    const client = app.get<ContextClient>(contextClientToken('users'));
    await app.close();
    await expect(client.send('users.echo', {}, { timeoutMs: 60_000 })).rejects.toMatchObject({
      code: ERROR_CODES.CONTEXT_UNAVAILABLE,
      message: 'users is unavailable',
    });
  });

  it('fails the publish when a subscriber fails, so the outbox delivers the event again', async () => {
    const app = await startApp(topology('inproc', CONTEXT_NAMES, 'unused', await freePorts()), true);
    try {
      await expect(app.get(IntegrationEventPublisher).publish('payments.probe.failed', {})).rejects.toBeDefined();
    } finally {
      await app.close();
    }
  });
});

describe('messaging over TCP to a context that is not running', () => {
  it('answers CONTEXT_UNAVAILABLE quickly', async () => {
    const caller = await startApp(topology('tcp', [], 'unused', await freePorts()), false);
    try {
      await expect(caller.get(IntegrationEventPublisher).publish('ordering.order.cancelled', { orderId: 'o-1' })).rejects.toMatchObject({
        taken: [],
        failures: [
          { subscriber: 'catalog', error: { code: 'ECONNREFUSED' } },
          { subscriber: 'payments', error: { code: 'ECONNREFUSED' } },
        ],
      });
      // Refused, not timed out: a timeout would say "did not answer ... within".
      await expect(caller.get<ContextClient>(contextClientToken('users')).send('users.echo', {}, { timeoutMs: 60_000 })).rejects.toMatchObject({
        code: ERROR_CODES.CONTEXT_UNAVAILABLE,
        message: 'users is unavailable',
      });
    } finally {
      await caller.close();
    }
  });
});

for (const [name, transport, wanted] of brokers) {
  (wanted ? describe : describe.skip)(`messaging ${name}, a broker${wanted ? '' : ' (skipped: set CI=true, NATS_URL or RABBITMQ_URL)'}`, () => {
    let caller: INestApplication;
    const namespace = () => namespaceFor(transport);
    const at = NO_PORTS;

    beforeAll(async () => {
      caller = await startApp(topology(transport, [], namespace(), at), false);
    });

    afterAll(async () => {
      await caller.close();
    });

    beforeEach(() => {
      received.length = 0;
    });

    it('keeps an event published while its consumer is down and delivers it when the consumer comes back', async () => {
      await caller.get(IntegrationEventPublisher).publish('ordering.order.cancelled', { orderId: 'while-down' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toEqual([]);
      const server = await startApp(topology(transport, SERVED, namespace(), at), true);
      try {
        await untilPasses(() => expect(received).toEqual(expect.arrayContaining([expect.objectContaining({ by: 'first', event: { orderId: 'while-down' } })])));
      } finally {
        await server.close();
      }
    });

    it('delivers again an event whose handler failed, until it succeeds', async () => {
      const server = await startApp(topology(transport, SERVED, namespace(), at), true);
      try {
        await caller.get(IntegrationEventPublisher).publish('payments.payment.succeeded', { paymentId: `p-${transport}` });
        await untilPasses(() => expect(deliveries.get(`p-${transport}`)).toBe(2), 8000);
      } finally {
        await server.close();
      }
    });

    it('answers the requests a stopping process had taken before it exits, and leaves new ones to the others', async () => {
      const stopping = await startApp(topology(transport, SERVED, namespace(), at), true);
      const client = caller.get<ContextClient>(contextClientToken('users'));
      sleepsBegun = 0;
      const answers = Promise.all([50, 300, 600].map((ms) => client.send('users.sleep', { ms }, { timeoutMs: 5000 })));
      // Stopped once it has taken all three: one still in the broker's queue would wait there for the next process,
      // which starts only after these are answered (a fixed 100 ms was too short on a busy machine).
      await untilPasses(() => expect(sleepsBegun).toBe(3));
      const closing = stopping.close();
      await expect(answers).resolves.toEqual([{ slept: 50 }, { slept: 300 }, { slept: 600 }]);
      await closing;
      const next = await startApp(topology(transport, SERVED, namespace(), at), true);
      try {
        await expect(client.send('users.sleep', { ms: 1 })).resolves.toEqual({ slept: 1 });
      } finally {
        await next.close();
      }
    });

    it('shares requests and events between two replicas of a context, each event processed by one of them', async () => {
      const replicas = [await startApp(topology(transport, SERVED, namespace(), at), true), await startApp(topology(transport, SERVED, namespace(), at), true)];
      try {
        const client = caller.get<ContextClient>(contextClientToken('users'));
        const answers = await Promise.all(Array.from({ length: 30 }, () => client.send<{ instance: string }>('users.which-instance', {})));
        expect(new Set(answers.map((answer) => answer.instance)).size).toBe(2);

        const orderIds = Array.from({ length: 10 }, (_, i) => `shared-${i}`);
        for (const orderId of orderIds) await caller.get(IntegrationEventPublisher).publish('ordering.order.cancelled', { orderId });
        await untilPasses(() =>
          expect(
            received
              .filter((entry) => entry.by === 'first')
              .map((entry) => (entry.event as { orderId: string }).orderId)
              .sort(),
          ).toEqual(orderIds.sort()),
        );
      } finally {
        await Promise.all(replicas.map((replica) => replica.close()));
      }
    });
  });
}

/**
 * A subscriber SIGKILLed while handling an event: a process of its own
 * (test/harness/probe-subscriber.ts), killed in the middle of its first
 * delivery and started again. In process there is no such case: the
 * publisher dies with the subscriber, and the outbox sends the event again
 * after the restart (test/e2e/crash-safety.e2e-spec.ts).
 */
const crashable: [string, NetworkTransport, boolean][] = [['over TCP', 'tcp', true], ...brokers];

for (const [name, transport, wanted] of crashable) {
  (wanted ? describe : describe.skip)(
    `a subscriber killed while handling an event ${name}${wanted ? '' : ' (skipped: set CI=true, NATS_URL or RABBITMQ_URL)'}`,
    () => {
      const markersFolder = suiteFolder('tessera-probe-');
      const running: ChildProcess[] = [];

      afterAll(() => running.forEach((child) => child.kill('SIGKILL')));

      it('gets the event again once it is back, and processes it once', async () => {
        const markers = markersFolder();
        const ports = transport === 'tcp' ? await freePorts() : NO_PORTS;
        const namespace = namespaceFor(transport);
        const caller = await startApp(topology(transport, [], namespace, ports), false);
        try {
          const subscriberTopology = topology(transport, ['ordering'], namespace, ports);
          const first = await startProbeSubscriber(subscriberTopology, markers, running);
          const event = { eventId: randomUUID(), reservationId: randomUUID(), lines: [] };
          const publisher = caller.get(IntegrationEventPublisher);
          const publish = () =>
            publisher.publish(CATALOG_EVENTS.RESERVATION_EXPIRED, event).then(
              () => 'taken' as const,
              () => 'refused' as const,
            );
          const firstPublish = publish();
          await untilPasses(() => expect(existsSync(join(markers, `${event.eventId}.started`))).toBe(true), 30_000, 20);
          first.kill('SIGKILL');

          // Without a broker nobody answered, so the outbox keeps the event and sends it again; a broker kept it already.
          expect(await firstPublish).toBe(transport === 'tcp' ? 'refused' : 'taken');
          await startProbeSubscriber(subscriberTopology, markers, running);
          if (transport === 'tcp') expect(await publish()).toBe('taken');

          // JetStream gives a message back once its consumer has not acknowledged it within ACK_WAIT (30 s).
          const processed = join(markers, `${event.eventId}.processed`);
          await untilPasses(() => expect(existsSync(processed)).toBe(true), 60_000, 100);
          expect(readFileSync(processed, 'utf8').trim().split('\n')).toHaveLength(1);
        } finally {
          await caller.close();
        }
      }, 120_000);
    },
  );
}

/** Starts test/harness/probe-subscriber.ts in a process of its own and resolves once it takes events. */
async function startProbeSubscriber(probeTopology: Topology, markers: string, running: ChildProcess[]): Promise<ChildProcess> {
  const harness = join(__dirname, '..', '..', '..', 'test', 'harness');
  const child = spawn(process.execPath, [join(harness, 'run-typescript.js'), join(harness, 'probe-subscriber.ts')], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', PROBE_TOPOLOGY: JSON.stringify(probeTopology), PROBE_DIR: markers },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`The probe subscriber exited (${code}) before it listened:\n${output}`)));
  });
  return child;
}

describeWith(['nats'])('messaging over NATS to a context that is not running', () => {
  it('answers CONTEXT_UNAVAILABLE at once, as NATS reports no responders', async () => {
    const caller = await startApp(topology('nats', [], namespaceFor('nats'), NO_PORTS), false);
    try {
      // No responders, not a timeout: a timeout would say "did not answer ... within".
      await expect(caller.get<ContextClient>(contextClientToken('users')).send('users.echo', {}, { timeoutMs: 60_000 })).rejects.toMatchObject({
        code: ERROR_CODES.CONTEXT_UNAVAILABLE,
        message: 'users is unavailable',
      });
    } finally {
      await caller.close();
    }
  });
});
