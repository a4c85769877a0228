import { INestApplication, Module, Type } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ContextName, PAYMENTS_EVENTS } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';
import { testNamespace } from '../../../../test/harness/brokers';
import { untilPasses } from '../../../../test/harness/eventually';
import { NatsServerAuth, PrivateNatsServer } from '../../../../test/harness/nats-server';
import { freePort } from '../../../../test/harness/processes';
import { TcpProxy } from '../../../../test/harness/tcp-proxy';
import { describeWith } from '../../../../test/harness/services';
import { contextClientToken, ContextClient } from '../context-client';
import { startContextServers } from '../context-servers';
import { IntegrationEventPublisher } from '../integration-event.publisher';
import { MessagesController } from '../messages-controller.decorator';
import { MessagingModule } from '../messaging.module';
import { DependencyUnavailableError } from '../startup/start-refusal';
import { topologyFromEnv } from '../topology/topology';

jest.setTimeout(30_000);

/** What the ordering process of this suite was handed over NATS. */
const handedEvents: unknown[] = [];

@MessagesController('ordering')
class OrderingProbeMessagesController {
  @MessagePattern('ordering.echo')
  echo(@Payload() payload: unknown) {
    return { echoed: payload };
  }

  @EventPattern(PAYMENTS_EVENTS.PAYMENT_SUCCEEDED)
  paymentSucceeded(@Payload() event: unknown) {
    handedEvents.push(event);
  }
}

@Module({ controllers: [OrderingProbeMessagesController] })
class OrderingProbeModule {}

/** A process hosting `context` alone, as its app starts it from NATS_URL: its request server, its JetStream events and its clients. */
async function startContextProcess(context: ContextName, natsUrl: string, namespace: string, modules: Type<unknown>[] = []): Promise<INestApplication> {
  const topology = topologyFromEnv({ TRANSPORT: 'nats', NATS_URL: natsUrl, MESSAGING_NAMESPACE: namespace }, { kind: 'context', context }, [context]);
  const moduleRef = await Test.createTestingModule({
    imports: [MessagingModule.forTopology(topology, ['ordering', 'payments']), ...modules],
  }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  await startContextServers(app);
  await app.init();
  return app;
}

/**
 * What a start is refused with. A refusal at the broker's first answer names the credentials; one after the budget a
 * broker that is not there yet gets says it did not accept a connection (the count of tries is in broker-reachability.spec).
 */
async function refusedStart(natsUrl: string): Promise<unknown> {
  return startContextProcess('ordering', natsUrl, testNamespace('nats-refused')).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (error: unknown) => error,
  );
}

/** Runs `body` with an ordering process (the probe's handlers) and a payments process, both on `natsUrl`, and closes both. */
async function withOrderingAndPayments(natsUrl: string, namespace: string, body: (payments: INestApplication) => Promise<void>): Promise<void> {
  const ordering = await startContextProcess('ordering', natsUrl, namespace, [OrderingProbeModule]);
  try {
    const payments = await startContextProcess('payments', natsUrl, namespace);
    try {
      await body(payments);
    } finally {
      await payments.close();
    }
  } finally {
    await ordering.close();
  }
}

/** Publishes an event of payments' that the ordering process of this suite must be handed within `withinMs`. */
async function expectEventHanded(payments: INestApplication, withinMs: number): Promise<void> {
  const eventId = randomUUID();
  await payments.get(IntegrationEventPublisher).publish(PAYMENTS_EVENTS.PAYMENT_SUCCEEDED, { eventId, paymentId: randomUUID() });
  await untilPasses(() => expect(handedEvents).toContainEqual(expect.objectContaining({ eventId })), withinMs);
}

const AUTH_KINDS: [string, NatsServerAuth][] = [
  // Characters a URL must percent-encode, and digits first, which nats.js alone would take for the port.
  ['a user and password', { user: 'tessera', password: '4711:p@ss/w?rd' }],
  ['a token', { token: 't0k3n@with:signs' }],
];

describeWith(['nats'])('NATS_URL with credentials, against a nats-server that requires them', () => {
  describe.each(AUTH_KINDS)('%s', (_kind, auth) => {
    let nats: PrivateNatsServer;

    beforeAll(async () => {
      nats = await PrivateNatsServer.start(`credentials-${'token' in auth ? 'token' : 'user'}`, auth);
    });

    afterAll(async () => {
      await nats?.remove();
    });

    it('connects a context server and its callers with the credentials in the URL: a request is answered and an event delivered', async () => {
      const namespace = testNamespace('nats-credentials');
      await withOrderingAndPayments(nats.url, namespace, async (payments) => {
        const client = payments.get<ContextClient>(contextClientToken('ordering'));
        expect(await client.send('ordering.echo', { hello: 'over an authenticated NATS' })).toEqual({ echoed: { hello: 'over an authenticated NATS' } });
        await expectEventHanded(payments, 10_000);
      });
    });

    it('connects them through a NATS_URL that lists a server that is down before the one that is up, with the same credentials', async () => {
      const namespace = testNamespace('nats-server-list');
      const down = nats.url.replace(`:${nats.port}`, `:${await freePort()}`);
      const listed = `${down},${nats.url}`;
      await withOrderingAndPayments(listed, namespace, async (payments) => {
        const client = payments.get<ContextClient>(contextClientToken('ordering'));
        expect(await client.send('ordering.echo', { hello: 'past a server that is down' })).toEqual({ echoed: { hello: 'past a server that is down' } });
        await expectEventHanded(payments, 10_000);
      });
    });

    it('goes on through the next server of NATS_URL when the one it is connected to goes away', async () => {
      const namespace = testNamespace('nats-failover');
      const [first, second] = await Promise.all([TcpProxy.to(nats.url), TcpProxy.to(nats.url)]);
      await second.cut();
      const listed = `${first.urlThrough(nats.url)},${second.urlThrough(nats.url)}`;
      await withOrderingAndPayments(listed, namespace, async (payments) => {
        const client = payments.get<ContextClient>(contextClientToken('ordering'));
        expect(await client.send('ordering.echo', { hello: 'through the first' })).toEqual({ echoed: { hello: 'through the first' } });
        expect([first.connectionsMade, second.connectionsMade]).toEqual([expect.any(Number), 0]);
        expect(first.connectionsMade).toBeGreaterThan(0);

        // The first server stops, the second is there: every connection of both processes must find it by itself.
        await second.restore();
        await first.cut();
        await untilPasses(
          async () => expect(await client.send('ordering.echo', { hello: 'through the second' })).toEqual({ echoed: { hello: 'through the second' } }),
          20_000,
        );
        await expectEventHanded(payments, 20_000);
      }).finally(() => Promise.all([first.cut(), second.cut()]));
    });

    it('refuses to start at once, saying so, when NATS_URL has no credentials', async () => {
      const refusal = await refusedStart(nats.urlWithoutCredentials);

      expect(refusal).toBeInstanceOf(DependencyUnavailableError);
      expect((refusal as Error).message).toMatch(new RegExp(`^NATS at ${nats.urlWithoutCredentials} requires credentials and NATS_URL has none: `));
    });

    it('refuses to start, at once and without the secret, when the broker does not accept the credentials', async () => {
      const credentials = 'token' in auth ? 'wrong-secret' : `${auth.user}:wrong-secret`;

      const refusal = await refusedStart(`nats://${credentials}@127.0.0.1:${nats.port}`);

      expect(refusal).toBeInstanceOf(DependencyUnavailableError);
      expect((refusal as Error).message).toMatch(/refused the credentials in NATS_URL \(AUTHORIZATION_VIOLATION\)/);
      expect((refusal as Error).message).not.toContain('wrong-secret');
    });
  });
});
