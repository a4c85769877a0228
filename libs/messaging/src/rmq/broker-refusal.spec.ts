import { connect as connectAmqp } from 'amqplib';
import { onRealRabbitMq, rabbitCaller, TEST_RABBITMQ_URL, testNamespace } from '../../../../test/harness/brokers';
import { describeWith } from '../../../../test/harness/services';
import { ContextClient } from '../context-client';
import { CorrelatingDeserializer } from '../correlation/correlating.serializer';
import { ConfigurationError } from '../startup/start-refusal';
import { BrokerNames, EVENT_RETRY_DELAYS_MS } from '../transports/broker-names';
import { brokerRefusalOf, BrokerRefusalError } from './broker-refusal';
import { consumingContexts } from '../events/event-routes';
import { RabbitEvents } from './rabbit-events';
import { createRemoteProxy } from '../transports/transport-factory';
import { REQUEST_QUEUE_OPTIONS } from './request-queue-options';
import { RmqRequestServer } from './rmq-request.server';

jest.setTimeout(30_000);

describe('brokerRefusalOf', () => {
  const amqpRefusal = (code: number, text: string) =>
    Object.assign(new Error(`Operation failed: QueueDeclare; ${code} (PRECONDITION-FAILED) with message "${text}"`), { code });

  it("says which declaration RabbitMQ refused, in the broker's words, and how to mend it", () => {
    const refusal = brokerRefusalOf(
      amqpRefusal(406, "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'shop.catalog.request-queue' in vhost '/'"),
      'the request queue shop.catalog.request-queue',
    );

    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect(refusal?.message).toMatch(
      /^RabbitMQ refused to set up the request queue shop\.catalog\.request-queue: PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'shop\.catalog\.request-queue' in vhost '\/'\. A queue or exchange of that name exists with other arguments/,
    );
    expect(refusal?.message).toContain('rabbitmqctl delete_queue');
  });

  it('tells of an event queue found as another type that every process needs the same RABBITMQ_EVENT_QUEUE_TYPE, and how to move', () => {
    const message = brokerRefusalOf(
      amqpRefusal(
        406,
        "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'shop.catalog.events' in vhost '/': received 'quorum' but current is 'classic'",
      ),
      'the event exchanges and queues',
      'RABBITMQ_EVENT_QUEUE_TYPE',
    )?.message;
    expect(message).toContain('every process must be given the same RABBITMQ_EVENT_QUEUE_TYPE');
    expect(message).toContain('rabbitmqctl delete_queue');
    expect(message).not.toContain('exists with other arguments');
  });

  it('tells of a classic queue whose node is down that it comes back with its node, and what outlives one', () => {
    const message = brokerRefusalOf(
      amqpRefusal(404, "NOT_FOUND - home node 'rabbit@node-1' of durable queue 'shop.catalog.events' in vhost '/' is down or inaccessible"),
      'the event exchanges and queues',
    )?.message;
    expect(message).toContain('A classic queue lives on one node of a cluster');
    expect(message).toContain('RABBITMQ_EVENT_QUEUE_TYPE=quorum');
  });

  it('tells a user without permissions on the virtual host what to grant', () => {
    expect(brokerRefusalOf(amqpRefusal(403, 'ACCESS_REFUSED - access to queue denied'), 'x')?.message).toContain('rabbitmqctl set_permissions');
  });

  it('tells apart a queue another connection consumes exclusively, which no permission mends', () => {
    const message = brokerRefusalOf(amqpRefusal(403, "ACCESS_REFUSED - queue 'shop.catalog.request-queue' in vhost '/' in exclusive use"), 'x')?.message;
    expect(message).toContain('Another connection consumes that queue exclusively (rabbitmqctl list_consumers names it)');
    expect(message).not.toContain('set_permissions');
  });

  it('leaves alone what the broker did not refuse', () => {
    expect(brokerRefusalOf(Object.assign(new Error('Channel closed'), { code: 'ECONNRESET' }), 'x')).toBeUndefined();
    expect(brokerRefusalOf(Object.assign(new Error('Connection closed: 320 (CONNECTION-FORCED)'), { code: 320 }), 'x')).toBeUndefined();
    expect(brokerRefusalOf(undefined, 'x')).toBeUndefined();
  });
});

describeWith(['rmq'])('queues declared otherwise by hand, on a real RabbitMQ', () => {
  const namespace = testNamespace('refusal');
  const names = new BrokerNames(namespace);
  const requestQueue = names.rabbitRequestQueue('catalog');
  const closeAfterTest = onRealRabbitMq(namespace);

  /** What an operator, or an older version, may have left: the queue of that name, with a TTL of its own. */
  const declareByHand = async (queue: string) => {
    const connection = await connectAmqp(TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(queue, { durable: true, arguments: { 'x-message-ttl': 5000 } });
    } finally {
      await connection.close();
    }
  };

  const deleteQueue = async (queue: string) => {
    const connection = await connectAmqp(TEST_RABBITMQ_URL);
    try {
      await (await connection.createChannel()).deleteQueue(queue);
    } finally {
      await connection.close();
    }
  };

  const catalogServer = () => {
    const server = new RmqRequestServer({
      urls: [TEST_RABBITMQ_URL],
      queue: requestQueue,
      queueOptions: REQUEST_QUEUE_OPTIONS,
      noAck: false,
      prefetchCount: 32,
      deserializer: new CorrelatingDeserializer(),
    });
    closeAfterTest(() => server.close());
    return server;
  };

  const started = (server: RmqRequestServer) => new Promise<unknown>((resolve) => void server.listen((error?: unknown) => resolve(error)));

  const catalogClient = () => {
    const topology = rabbitCaller(namespace, 5000);
    const client = new ContextClient('catalog', createRemoteProxy(topology, 'catalog'), 5000, { queryAttempts: 1 }, 'rmq');
    closeAfterTest(() => client.close());
    return client;
  };

  it('a context refuses to start, naming its request queue and what to change, instead of crashing on an unheard error', async () => {
    await declareByHand(requestQueue);

    const failure = await started(catalogServer());

    expect(failure).toBeInstanceOf(BrokerRefusalError);
    expect((failure as Error).message).toContain(`the request queue ${requestQueue}`);
    expect((failure as Error).message).toContain("inequivalent arg 'x-message-ttl'");
  });

  it('a caller is not refused with it: its requests go unanswered until the queue is mended and the context starts', async () => {
    await declareByHand(requestQueue);
    const catalog = catalogClient();

    await expect(catalog.send('catalog.probe', { n: 1 })).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });

    await deleteQueue(requestQueue);
    const server = catalogServer();
    server.addHandler('catalog.probe', async (request: { n: number }) => ({ answered: request.n + 1 }));
    expect(await started(server)).toBeUndefined();
    await expect(catalog.send('catalog.probe', { n: 1 })).resolves.toEqual({ answered: 2 });
  });

  it("a process's events stop at a refusal with what to change: the consumer's start fails, an event's publication fails and is tried again", async () => {
    await declareByHand(names.eventQueue('catalog'));
    const events = new RabbitEvents([TEST_RABBITMQ_URL], names, 'refusal-spec');
    closeAfterTest(() => events.close());

    await expect(events.consume('catalog', async () => undefined)).rejects.toThrow(BrokerRefusalError);
    await expect(events.deliver('catalog', 'ordering.order.confirmed', { eventId: 'e-1' })).rejects.toThrow(/the event exchanges and queues/);

    await deleteQueue(names.eventQueue('catalog'));
    await expect(events.deliver('catalog', 'ordering.order.confirmed', { eventId: 'e-2' })).resolves.toBeUndefined();
  });

  it("a context's event consumer refuses to start, saying what to change, on a retry queue declared otherwise by hand", async () => {
    const retryQueue = names.eventRetryQueue('catalog', EVENT_RETRY_DELAYS_MS[0]);
    await declareByHand(retryQueue);
    const events = new RabbitEvents([TEST_RABBITMQ_URL], names, 'refusal-spec');
    closeAfterTest(() => events.close());

    const failure = await events.consume('catalog', async () => undefined).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BrokerRefusalError);
    expect((failure as Error).message).toContain(`inequivalent arg 'x-message-ttl' for queue '${retryQueue}'`);
    await deleteQueue(retryQueue);
  });

  it('a process asked for quorum event queues refuses to start on the classic ones that processes of another setting declared', async () => {
    const classic = new RabbitEvents([TEST_RABBITMQ_URL], names, 'refusal-spec-classic');
    closeAfterTest(() => classic.close());
    await classic.deliver('catalog', 'ordering.order.confirmed', { eventId: 'e-3' });
    const quorum = new RabbitEvents([TEST_RABBITMQ_URL], names, 'refusal-spec-quorum', 'quorum');
    closeAfterTest(() => quorum.close());

    const failure = await quorum.consume('catalog', async () => undefined).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BrokerRefusalError);
    expect((failure as Error).message).toContain(`inequivalent arg 'x-queue-type' for queue '${namespace}.`);
    expect((failure as Error).message).toContain('every process must be given the same RABBITMQ_EVENT_QUEUE_TYPE');
    for (const context of consumingContexts()) await deleteQueue(names.eventQueue(context));
  });
});
