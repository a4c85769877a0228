import { Logger } from '@nestjs/common';
import type { RmqContext } from '@nestjs/microservices';
import type { Channel, Message } from 'amqplib';
import { removeRabbitNamespace, TEST_RABBITMQ_URL, testNamespace } from '../../../../test/harness/brokers';
import { untilPasses } from '../../../../test/harness/eventually';
import { describeWith } from '../../../../test/harness/services';
import { ContextClient } from '../context-client';
import { CorrelatingDeserializer } from '../correlation/correlating.serializer';
import type { Topology } from '../topology/topology';
import { BrokerNames } from '../transports/broker-names';
import { createRemoteProxy } from '../transports/transport-factory';
import { REQUEST_QUEUE_OPTIONS } from './request-queue-options';
import { RmqRequestServer } from './rmq-request.server';

// A channel the broker closed comes back after a pause, and a busy 2-core machine makes every step slower.
jest.setTimeout(60_000);

const REQUEST_TIMEOUT_MS = 5000;
/** A delivery tag no channel ever handed out: acknowledging it is a protocol error, for which the broker closes the channel. */
const UNKNOWN_DELIVERY_TAG = 1_000_000;

describeWith(['rmq'])('RmqRequestServer on a real RabbitMQ, after the broker closed its channel', () => {
  const namespace = testNamespace('rmq-requests');
  const requestQueue = new BrokerNames(namespace).rabbitRequestQueue('catalog');
  const closing: (() => Promise<unknown>)[] = [];

  const catalogServer = async (handlers: Record<string, (request: { n: number }, context: RmqContext) => Promise<unknown>>) => {
    const server = new RmqRequestServer({
      urls: [TEST_RABBITMQ_URL],
      queue: requestQueue,
      queueOptions: REQUEST_QUEUE_OPTIONS,
      noAck: false,
      prefetchCount: 32,
      deserializer: new CorrelatingDeserializer(),
    });
    closing.push(() => server.close());
    for (const [pattern, handler] of Object.entries(handlers)) server.addHandler(pattern, handler);
    const failure = await new Promise<unknown>((resolve) => void server.listen((error?: unknown) => resolve(error)));
    expect(failure).toBeUndefined();
    return server;
  };

  const catalogClient = () => {
    const topology = { transport: 'rmq', hosted: [], rabbitmqUrl: TEST_RABBITMQ_URL, namespace, requestTimeoutMs: REQUEST_TIMEOUT_MS } as unknown as Topology;
    const client = new ContextClient('catalog', createRemoteProxy(topology, 'catalog'), REQUEST_TIMEOUT_MS, { queryAttempts: 1 }, 'rmq');
    closing.push(() => client.close());
    return client;
  };

  const answersProbes = async (request: { n: number }) => ({ answered: request.n + 1 });

  beforeAll(() => Logger.overrideLogger(false));

  afterEach(async () => {
    await Promise.all(closing.splice(0).map((close) => close().catch(() => undefined)));
  });

  afterAll(async () => {
    await removeRabbitNamespace(namespace);
    Logger.overrideLogger(true);
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
});
