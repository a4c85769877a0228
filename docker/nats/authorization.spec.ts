import { INestApplication, Module, Type } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { CATALOG_EVENTS, CATALOG_PATTERNS, CONTEXT_NAMES, GATEWAY, ORDERING_EVENTS, ORDERING_PATTERNS } from '@tessera/contracts';
import {
  BrokerNames,
  ContextClient,
  contextClientToken,
  IntegrationEventPublisher,
  MessagesController,
  MessagingModule,
  startContextServers,
  topologyFromEnv,
  type ProcessRole,
} from '@tessera/messaging';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'nats';
import { testNamespace } from '../../test/harness/brokers';
import { untilPasses } from '../../test/harness/eventually';
import { PrivateNatsServer } from '../../test/harness/nats-server';
import { describeWith } from '../../test/harness/services';
import { suiteFolder } from '../../test/harness/suite-folder';
import { readContextMap } from '../../tools/context-map/context-map';
import {
  NATS_PROCESSES,
  natsPasswordVariable,
  natsUserName,
  natsUsersOf,
  renderNatsAuthorization,
  type NatsProcess,
} from '../../tools/context-map/nats-authorization';

// Five processes and a nats-server of their own start here, on a machine that may be busy with other suites.
jest.setTimeout(90_000);

const REPO = resolve(__dirname, '..', '..');

/** What the probe handlers of this suite's processes were handed: by whom, which message, with what payload. */
const handled: { by: string; pattern: string; payload: { eventId?: string; orderId?: string } }[] = [];

@MessagesController('ordering')
class OrderingProbeMessagesController {
  @MessagePattern(ORDERING_PATTERNS.GET_ORDER)
  getOrder(@Payload() payload: { orderId: string }) {
    handled.push({ by: 'ordering', pattern: ORDERING_PATTERNS.GET_ORDER, payload });
    return { orderId: payload.orderId, status: 'AWAITING_PAYMENT' };
  }

  @MessagePattern(ORDERING_PATTERNS.CONFIRM_PAYMENT)
  confirmPayment(@Payload() payload: { orderId: string }) {
    handled.push({ by: 'ordering', pattern: ORDERING_PATTERNS.CONFIRM_PAYMENT, payload });
    return { orderId: payload.orderId, status: 'CONFIRMED' };
  }
}

@MessagesController('catalog')
class CatalogProbeMessagesController {
  @MessagePattern(CATALOG_PATTERNS.RESERVE_STOCK)
  reserveStock(@Payload() payload: { orderId: string }) {
    handled.push({ by: 'catalog', pattern: CATALOG_PATTERNS.RESERVE_STOCK, payload });
    return { orderId: payload.orderId, reserved: true };
  }

  @EventPattern(ORDERING_EVENTS.ORDER_CANCELLED)
  orderCancelled(@Payload() event: { eventId: string }) {
    handled.push({ by: 'catalog', pattern: ORDERING_EVENTS.ORDER_CANCELLED, payload: event });
  }
}

@MessagesController('payments')
class PaymentsProbeMessagesController {
  @EventPattern(ORDERING_EVENTS.ORDER_CANCELLED)
  orderCancelled(@Payload() event: { eventId: string }) {
    handled.push({ by: 'payments', pattern: ORDERING_EVENTS.ORDER_CANCELLED, payload: event });
  }
}

@MessagesController(GATEWAY)
class GatewayProbeMessagesController {
  @EventPattern(CATALOG_EVENTS.PRODUCT_UPDATED)
  productUpdated(@Payload() event: { eventId: string }) {
    handled.push({ by: 'gateway', pattern: CATALOG_EVENTS.PRODUCT_UPDATED, payload: event });
  }
}

@Module({ controllers: [OrderingProbeMessagesController] })
class OrderingProbeModule {}
@Module({ controllers: [CatalogProbeMessagesController] })
class CatalogProbeModule {}
@Module({ controllers: [PaymentsProbeMessagesController] })
class PaymentsProbeModule {}
@Module({ controllers: [GatewayProbeMessagesController] })
class GatewayProbeModule {}

const PROBES: Partial<Record<NatsProcess, Type<unknown>>> = {
  gateway: GatewayProbeModule,
  ordering: OrderingProbeModule,
  catalog: CatalogProbeModule,
  payments: PaymentsProbeModule,
};

describeWith(['nats'])('docker/nats/authorization.conf, on a nats-server that enforces it', () => {
  const namespace = testNamespace('nats-authorization');
  // Beginning with a letter: nats-server parses a variable's value as configuration, and one that begins with a digit is a number.
  const passwords = Object.fromEntries(NATS_PROCESSES.map((process) => [process, `p${randomBytes(12).toString('hex')}`])) as Record<NatsProcess, string>;
  const directory = suiteFolder('tessera-nats-authorization-');
  const apps = new Map<NatsProcess, INestApplication>();
  let nats: PrivateNatsServer;

  const urlOf = (process: NatsProcess) => nats.urlOf(natsUserName(namespace, process), passwords[process]);
  const app = (process: NatsProcess) => apps.get(process)!;
  const clientTo = (process: NatsProcess, context: (typeof CONTEXT_NAMES)[number]) => app(process).get<ContextClient>(contextClientToken(context));
  const inboxPrefixOf = (process: NatsProcess) => new BrokerNames(namespace).natsInboxPrefix(process);
  /** A connection of the gateway's user of its own, beside the gateway's app, as a compromised gateway could open. */
  const connectAsGateway = () =>
    connect({ servers: nats.urlWithoutCredentials, user: natsUserName(namespace, 'gateway'), pass: passwords.gateway, inboxPrefix: inboxPrefixOf('gateway') });

  /** A process of the split deployment as its app starts it, logged in as its own user. */
  async function startProcess(process: NatsProcess): Promise<INestApplication> {
    const role: ProcessRole = process === 'gateway' ? { kind: 'gateway' } : { kind: 'context', context: process };
    const topology = topologyFromEnv({ TRANSPORT: 'nats', NATS_URL: urlOf(process), MESSAGING_NAMESPACE: namespace }, role, CONTEXT_NAMES);
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forTopology(topology, CONTEXT_NAMES), ...(PROBES[process] ? [PROBES[process]] : [])],
    }).compile();
    const started = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    await startContextServers(started);
    await started.init();
    return started;
  }

  beforeAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the message controllers are found at run time
    const map = readContextMap(REPO, (modulePath) => require(modulePath));
    const configFile = join(directory(), 'authorization.conf');
    writeFileSync(configFile, renderNatsAuthorization(natsUsersOf(map, namespace, NATS_PROCESSES), namespace));
    const environment = Object.fromEntries(NATS_PROCESSES.map((process) => [natsPasswordVariable(process), passwords[process]]));
    nats = await PrivateNatsServer.start('nats-authorization', {
      configFile,
      environment,
      user: natsUserName(namespace, 'gateway'),
      password: passwords.gateway,
      inboxPrefix: inboxPrefixOf('gateway'),
    });
    for (const process of NATS_PROCESSES) apps.set(process, await startProcess(process));
  });

  afterAll(async () => {
    for (const started of [...apps.values()].reverse()) await started.close();
    await nats?.remove();
  });

  it("answers the gateway's request to a context, and the request of payments that confirms a payment", async () => {
    const orderId = randomUUID();

    expect(await clientTo('gateway', 'ordering').send(ORDERING_PATTERNS.GET_ORDER, { orderId })).toEqual({ orderId, status: 'AWAITING_PAYMENT' });
    expect(await clientTo('payments', 'ordering').send(ORDERING_PATTERNS.CONFIRM_PAYMENT, { orderId })).toEqual({ orderId, status: 'CONFIRMED' });
  });

  it("hands an event ordering's user publishes to the consumers of catalog and payments, and one of catalog's to the gateway, through JetStream", async () => {
    const [cancelled, updated] = [randomUUID(), randomUUID()];

    await app('ordering').get(IntegrationEventPublisher).publish(ORDERING_EVENTS.ORDER_CANCELLED, { eventId: cancelled, orderId: randomUUID() });
    await app('catalog').get(IntegrationEventPublisher).publish(CATALOG_EVENTS.PRODUCT_UPDATED, { eventId: updated, productId: randomUUID() });

    const takersOf = (eventId: string) => handled.filter((entry) => entry.payload.eventId === eventId).map((entry) => entry.by);
    await untilPasses(() => {
      expect(takersOf(cancelled).sort()).toEqual(['catalog', 'payments']);
      expect(takersOf(updated)).toEqual(['gateway']);
    }, 20_000);
    // Nor did the processes' start (streams, consumers, subscriptions) or their requests meet a refusal anywhere.
    expect(nats.output()).not.toContain('Violation');
  });

  it("refuses the gateway's user a payment confirmation: the server drops it, so ordering never confirms the order", async () => {
    const forged = randomUUID();

    // At once, as a request that surely did nothing there, rather than after the callers' timeout.
    await expect(clientTo('gateway', 'ordering').send(ORDERING_PATTERNS.CONFIRM_PAYMENT, { orderId: forged })).rejects.toMatchObject({
      code: 'CONTEXT_UNAVAILABLE',
      message: 'ordering is unavailable',
      notDelivered: true,
    });

    // NATS keeps the order of one connection's messages: ordering, having answered the next one, was never handed the first.
    const next = randomUUID();
    expect(await clientTo('gateway', 'ordering').send(ORDERING_PATTERNS.GET_ORDER, { orderId: next })).toMatchObject({ orderId: next });
    expect(handled.filter((entry) => entry.payload.orderId === forged)).toEqual([]);
    await untilPasses(() =>
      expect(nats.output()).toContain(`Publish Violation - User "${natsUserName(namespace, 'gateway')}", Subject "${namespace}.ordering.confirm-payment"`),
    );
  });

  it("refuses a context's user the events of another: users cannot forge ordering's cancellation", async () => {
    const forged = randomUUID();

    await expect(
      app('users').get(IntegrationEventPublisher).publish(ORDERING_EVENTS.ORDER_CANCELLED, { eventId: forged, orderId: randomUUID() }),
    ).rejects.toMatchObject({
      failures: expect.arrayContaining([expect.objectContaining({ subscriber: 'catalog', error: expect.objectContaining({ code: 'PERMISSIONS_VIOLATION' }) })]),
    });

    // Each consumer takes its events in the order the stream stored them: a forged one stored would come before this one.
    const genuine = randomUUID();
    await app('ordering').get(IntegrationEventPublisher).publish(ORDERING_EVENTS.ORDER_CANCELLED, { eventId: genuine, orderId: randomUUID() });
    await untilPasses(() => expect(handled.filter((entry) => entry.payload.eventId === genuine)).toHaveLength(2), 20_000);
    expect(handled.filter((entry) => entry.payload.eventId === forged)).toEqual([]);
  });

  it("refuses the gateway's user a context's requests and events: it can neither answer for ordering nor take catalog's events", async () => {
    const connection = await connectAsGateway();
    try {
      let answering: unknown;
      connection.subscribe(`${namespace}.ordering.*`, { callback: (error) => (answering ??= error) });
      // The server answers a subscription it refuses before the flush's PONG.
      await connection.flush();
      expect(answering).toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
      const stealing = (await connection
        .jetstream()
        .consumers.get(`${namespace.toUpperCase().replace(/-/g, '_')}_EVENTS`, 'catalog')
        .catch((error: unknown) => error)) as {
        code?: string;
      };
      expect(stealing.code).toBe('PERMISSIONS_VIOLATION');
    } finally {
      await connection.close();
    }
  });

  it("refuses the gateway's user ordering's reply inboxes, and every inbox but its own: it cannot read what catalog answers ordering", async () => {
    const connection = await connectAsGateway();
    try {
      const refusals = new Map<string, unknown>();
      const overheard: string[] = [];
      for (const inboxes of [`${inboxPrefixOf('ordering')}.>`, '_INBOX.>']) {
        connection.subscribe(inboxes, {
          callback: (error, message) => {
            if (error) refusals.set(inboxes, error);
            else overheard.push(message.subject);
          },
        });
      }
      let ownRefused: unknown;
      connection.subscribe(`${inboxPrefixOf('gateway')}.>`, { callback: (error) => (ownRefused ??= error) });
      // The server answers a subscription it refuses before the flush's PONG.
      await connection.flush();

      expect(Object.fromEntries(refusals)).toEqual({
        [`${inboxPrefixOf('ordering')}.>`]: expect.objectContaining({ code: 'PERMISSIONS_VIOLATION' }),
        '_INBOX.>': expect.objectContaining({ code: 'PERMISSIONS_VIOLATION' }),
      });
      expect(ownRefused).toBeUndefined();
      await untilPasses(() =>
        expect(nats.output()).toContain(`Subscription Violation - User "${natsUserName(namespace, 'gateway')}", Subject "${inboxPrefixOf('ordering')}.>"`),
      );
      // Ordering's own work goes on: a request answered, and an event JetStream acknowledges, both to its inboxes.
      const orderId = randomUUID();
      expect(await clientTo('ordering', 'catalog').send(CATALOG_PATTERNS.RESERVE_STOCK, { orderId })).toEqual({ orderId, reserved: true });
      await app('ordering').get(IntegrationEventPublisher).publish(ORDERING_EVENTS.ORDER_CANCELLED, { eventId: randomUUID(), orderId });
      await connection.flush();
      expect(overheard).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('ships a docker/nats/nats-server.conf that nats-server takes, given every password, and refuses without one', async () => {
    const environment = Object.fromEntries(NATS_PROCESSES.map((process) => [natsPasswordVariable(process), passwords[process]]));
    const check = (env: Record<string, string>) =>
      promisify(execFile)(process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server', ['-c', join(REPO, 'docker', 'nats', 'nats-server.conf'), '-t'], {
        env: { PATH: process.env.PATH, ...env },
      }).then(
        () => 'valid',
        (error: { stderr?: string }) => error.stderr ?? '',
      );

    expect(await check(environment)).toBe('valid');
    const { [natsPasswordVariable('ordering')]: _missing, ...withoutOrdering } = environment;
    expect(await check(withoutOrdering)).toMatch(/ORDERING_NATS_PASSWORD/);
  });
});
