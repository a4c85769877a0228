import { connect } from 'amqplib';
import { onRealRabbitMq, rabbitCaller, TEST_RABBITMQ_URL, testNamespace } from '../../../../test/harness/brokers';
import { describeWith } from '../../../../test/harness/services';
import { ContextClient } from '../context-client';
import { CorrelatingDeserializer } from '../correlation/correlating.serializer';
import { BrokerNames } from '../transports/broker-names';
import { createRemoteProxy } from '../transports/transport-factory';
import { chooseRabbitRequestQueues } from './request-queue-choice';
import { REQUEST_QUEUE_OPTIONS } from './request-queue-options';
import { RmqRequestServer } from './rmq-request.server';

const REQUEST_TIMEOUT_MS = 5000;

describeWith(['rmq'])('the RabbitMQ request queue a process of this version uses', () => {
  const namespace = testNamespace('rmq-queue-choice');
  const names = new BrokerNames(namespace);
  const closeAfterTest = onRealRabbitMq(namespace);

  /** Whether the broker has the queue. */
  async function queueOnBroker(name: string): Promise<{ exists: boolean }> {
    const connection = await connect(TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      return await channel.checkQueue(name).then(
        () => ({ exists: true }),
        () => ({ exists: false }),
      );
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  it("is this version's own where no 0.1.0 process ever declared one", async () => {
    const chosen = await chooseRabbitRequestQueues([TEST_RABBITMQ_URL], names, ['users']);
    expect(chosen.get('users')).toEqual({ name: `${namespace}.users.request-queue`, of0_1_0: false });
  });

  it("is 0.1.0's where the broker has it, so that a context and its callers of either version answer each other, and it is taken as 0.1.0 declared it", async () => {
    // What a 0.1.0 process, context or caller, declared: the queue with the callers' timeout as its TTL.
    const connection = await connect(TEST_RABBITMQ_URL);
    const channel = await connection.createChannel();
    await channel.assertQueue(names.rabbitRequestQueueOf0_1_0('catalog'), { durable: true, arguments: { 'x-message-ttl': REQUEST_TIMEOUT_MS } });
    await connection.close();

    const chosen = await chooseRabbitRequestQueues([TEST_RABBITMQ_URL], names, ['catalog']);
    expect(chosen.get('catalog')).toEqual({ name: `${namespace}.catalog.requests`, of0_1_0: true });

    const server = new RmqRequestServer({
      urls: [TEST_RABBITMQ_URL],
      queue: chosen.get('catalog')!.name,
      queueOptions: REQUEST_QUEUE_OPTIONS,
      noAssert: chosen.get('catalog')!.of0_1_0,
      noAck: false,
      deserializer: new CorrelatingDeserializer(),
    });
    closeAfterTest(() => server.close());
    server.addHandler('catalog.probe', async (request: { n: number }) => ({ answered: request.n + 1 }));
    // Declared without 0.1.0's TTL, the queue would be refused (PRECONDITION_FAILED) and the start fail.
    expect(await new Promise<unknown>((resolve) => void server.listen((error?: unknown) => resolve(error)))).toBeUndefined();

    const topology = rabbitCaller(namespace, REQUEST_TIMEOUT_MS);
    const client = new ContextClient('catalog', createRemoteProxy(topology, 'catalog', undefined, chosen), REQUEST_TIMEOUT_MS, { queryAttempts: 1 }, 'rmq');
    closeAfterTest(() => client.close());

    await expect(client.send('catalog.probe', { n: 41 })).resolves.toEqual({ answered: 42 });
    expect(await queueOnBroker(`${namespace}.catalog.request-queue`)).toEqual({ exists: false });
  });
});
