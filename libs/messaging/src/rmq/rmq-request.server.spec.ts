import type { RmqContext } from '@nestjs/microservices';
import { connect as connectAmqp, type Channel, type Message } from 'amqplib';
import { randomUUID } from 'node:crypto';
import {
  closeRabbitConnection,
  onRealRabbitMq,
  rabbitCaller,
  rabbitConnectionsNamed,
  rabbitUserScopedTo,
  TEST_RABBITMQ_URL,
  testNamespace,
} from '../../../../test/harness/brokers';
import { untilPasses } from '../../../../test/harness/eventually';
import { describeWith } from '../../../../test/harness/services';
import { ContextClient } from '../context-client';
import { CorrelatingDeserializer } from '../correlation/correlating.serializer';
import { BrokerNames } from '../transports/broker-names';
import { createRemoteProxy } from '../transports/transport-factory';
import { RabbitEvents } from './rabbit-events';
import { REQUEST_QUEUE_OPTIONS } from './request-queue-options';
import { RmqRequestServer } from './rmq-request.server';

// A channel the broker closed comes back after a pause, and a busy 2-core machine makes every step slower.
jest.setTimeout(60_000);

const REQUEST_TIMEOUT_MS = 5000;
/** A delivery tag no channel ever handed out: acknowledging it is a protocol error, for which the broker closes the channel. */
const UNKNOWN_DELIVERY_TAG = 1_000_000;

describeWith(['rmq'])('RmqRequestServer on a real RabbitMQ, after the broker closed its channel or its connection', () => {
  const namespace = testNamespace('rmq-requests');
  const requestQueue = new BrokerNames(namespace).rabbitRequestQueue('catalog');
  const closeAfterTest = onRealRabbitMq(namespace);

  /** Catalog's request server; `events`, the process's RabbitEvents that readiness asks, and `connectionName`, its connection's name on the broker. */
  const catalogServer = async (
    handlers: Record<string, (request: { n: number }, context: RmqContext) => Promise<unknown>>,
    { events, connectionName }: { events?: RabbitEvents; connectionName?: string } = {},
  ) => {
    const server = new RmqRequestServer(
      {
        urls: [TEST_RABBITMQ_URL],
        queue: requestQueue,
        queueOptions: REQUEST_QUEUE_OPTIONS,
        noAck: false,
        prefetchCount: 32,
        deserializer: new CorrelatingDeserializer(),
        ...(connectionName ? { socketOptions: { connectionOptions: { clientProperties: { connection_name: connectionName } } } } : {}),
      },
      events?.channels,
    );
    closeAfterTest(() => server.close());
    for (const [pattern, handler] of Object.entries(handlers)) server.addHandler(pattern, handler);
    const failure = await startOf(server);
    expect(failure).toBeUndefined();
    return server;
  };

  /** What the server's start reports: undefined once it listens, else why it cannot. */
  const startOf = (server: RmqRequestServer) => new Promise<unknown>((resolve) => void server.listen((error?: unknown) => resolve(error)));

  /** A channel of a connection of the spec's own, beside the server's. */
  const ownChannel = async () => {
    const connection = await connectAmqp(TEST_RABBITMQ_URL);
    closeAfterTest(() => connection.close());
    return connection.createChannel();
  };

  const catalogClient = () => {
    const topology = rabbitCaller(namespace, REQUEST_TIMEOUT_MS);
    const client = new ContextClient('catalog', createRemoteProxy(topology, 'catalog'), REQUEST_TIMEOUT_MS, { queryAttempts: 1 }, 'rmq');
    closeAfterTest(() => client.close());
    return client;
  };

  const answersProbes = async (request: { n: number }) => ({ answered: request.n + 1 });

  it('reports listening only once the broker has its consumer, so that a started replica takes its share at once', async () => {
    const broker = await ownChannel();
    for (let start = 0; start < 5; start++) {
      const server = await catalogServer({ 'catalog.probe': answersProbes });
      expect((await broker.checkQueue(requestQueue)).consumerCount).toBe(1);
      await server.close();
    }
  });

  it('fails its start, naming its queue and what to do, when the broker refuses its consumer (a user without read permission)', async () => {
    const user = await rabbitUserScopedTo(namespace, { read: false });
    closeAfterTest(() => user.remove());
    const server = new RmqRequestServer({ urls: [user.url], queue: requestQueue, queueOptions: REQUEST_QUEUE_OPTIONS, noAck: false });
    closeAfterTest(() => server.close());

    const failure = (await startOf(server)) as Error;
    expect(failure.name).toBe('BrokerRefusalError');
    expect(failure.message).toContain(`RabbitMQ refused to set up the request queue ${requestQueue}: ACCESS_REFUSED`);
    expect(failure.message).toContain('rabbitmqctl set_permissions');
  });

  it('a context answers the next request on a new channel once a handler made the broker close the one it had (an unknown delivery tag acknowledged)', async () => {
    let acknowledgedAStranger = false;
    await catalogServer({
      'catalog.probe': answersProbes,
      // What a handler that acknowledges by itself can do: the broker answers PRECONDITION_FAILED and closes the channel.
      'catalog.acknowledge-a-stranger': async (request, context) => {
        if (!acknowledgedAStranger) {
          acknowledgedAStranger = true;
          (context.getChannelRef() as Channel).ack({ fields: { deliveryTag: UNKNOWN_DELIVERY_TAG } } as Message);
        }
        return { answered: request.n };
      },
    });
    const catalog = catalogClient();
    await expect(catalog.send('catalog.probe', { n: 1 })).resolves.toEqual({ answered: 2 });

    await catalog.send('catalog.acknowledge-a-stranger', { n: 0 }).catch(() => undefined);
    expect(acknowledgedAStranger).toBe(true);

    await untilPasses(() => expect(catalog.send('catalog.probe', { n: 2 })).resolves.toEqual({ answered: 3 }), 45_000, 200);
  });

  it('answers CONTEXT_UNAVAILABLE to a command the broker delivers again after the consumer that took it lost its channel, without running it twice; a query it runs again', async () => {
    const runs = { 'catalog.adjust-stock': 0, 'catalog.get-product': 0 };
    let releaseFirstRuns!: () => void;
    const firstRunsReleased = new Promise<void>((resolve) => (releaseFirstRuns = resolve));
    // The first run of each takes the request, has the broker close its channel, and never answers in time: a process
    // that died while handling it, as far as the broker and the caller can tell.
    const diesOnItsFirstRun = (pattern: keyof typeof runs) => async (request: { n: number }, context: RmqContext) => {
      if (++runs[pattern] === 1) {
        (context.getChannelRef() as Channel).ack({ fields: { deliveryTag: UNKNOWN_DELIVERY_TAG } } as Message);
        await firstRunsReleased;
      }
      return { answered: request.n };
    };
    await catalogServer({
      'catalog.adjust-stock': diesOnItsFirstRun('catalog.adjust-stock'),
      'catalog.get-product': diesOnItsFirstRun('catalog.get-product'),
    });
    const catalog = catalogClient();
    try {
      await expect(catalog.send('catalog.adjust-stock', { n: 1 })).rejects.toMatchObject({
        code: 'CONTEXT_UNAVAILABLE',
        message: expect.stringContaining('a command is not run twice'),
      });
      expect(runs['catalog.adjust-stock']).toBe(1);

      await expect(catalog.send('catalog.get-product', { n: 2 })).resolves.toEqual({ answered: 2 });
      expect(runs['catalog.get-product']).toBe(2);
    } finally {
      releaseFirstRuns();
    }
  }, 60_000);

  it("is not ready, naming it, while its own connection is down with the process's other connection up, and ready again once it is back", async () => {
    const events = new RabbitEvents([TEST_RABBITMQ_URL], new BrokerNames(namespace), `rmq-requests-spec-events-${randomUUID()}`);
    closeAfterTest(() => events.close());
    const connectionName = `rmq-requests-spec-${randomUUID()}`;
    await catalogServer({ 'catalog.probe': answersProbes }, { events, connectionName });
    const catalog = catalogClient();
    await expect(catalog.send('catalog.probe', { n: 1 })).resolves.toEqual({ answered: 2 });
    await untilPasses(async () => expect(await events.isConnected()).toBe(true));
    expect(events.lostChannels(0)).toEqual([]);

    const connections = await rabbitConnectionsNamed(connectionName);
    expect(connections).toHaveLength(1);
    await closeRabbitConnection(connections[0], 'closed by the spec, as a broker restart would');

    // No grace: amqp-connection-manager connects again after a pause of a few seconds, which is what is looked at here.
    await untilPasses(() => expect(events.lostChannels(0)).toEqual([`the connection of ${requestQueue}`]), 20_000, 20);
    expect(await events.isConnected()).toBe(true);
    await untilPasses(() => expect(events.lostChannels(0)).toEqual([]), 45_000, 100);
    await untilPasses(() => expect(catalog.send('catalog.probe', { n: 2 })).resolves.toEqual({ answered: 3 }), 45_000, 200);
  }, 120_000);
});
