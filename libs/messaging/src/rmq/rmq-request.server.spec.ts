import { INestMicroservice } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom, timeout } from 'rxjs';
import { rabbitmqWanted, removeRabbitNamespace, TEST_RABBITMQ_URL, testNamespace } from '../../../../test/harness/brokers';
import { MessagesController } from '../messages-controller.decorator';
import { BrokerNames } from '../transports/broker-names';
import { requestQueueOptions } from './request-queue-options';
import { RmqRequestServer } from './rmq-request.server';

@MessagesController()
class SlowMessagesController {
  @MessagePattern('users.sleep')
  async sleep(@Payload() { ms }: { ms: number }) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { slept: ms };
  }
}

(rabbitmqWanted() ? describe : describe.skip)('a RabbitMQ request server that is stopped', () => {
  const namespace = testNamespace('rmq-stop');
  const queue = new BrokerNames(namespace).requestQueue('users');
  const options = { urls: [TEST_RABBITMQ_URL], queue, queueOptions: requestQueueOptions(5000) };
  let app: INestMicroservice | undefined;
  let client: ClientProxy;

  beforeEach(async () => {
    const module = await Test.createTestingModule({ controllers: [SlowMessagesController] }).compile();
    app = module.createNestMicroservice({ strategy: new RmqRequestServer({ ...options, noAck: false, prefetchCount: 8 }) });
    await app.listen();
    client = ClientProxyFactory.create({ transport: Transport.RMQ, options: { ...options, persistent: false } });
    await client.connect();
  });

  afterEach(async () => {
    await app?.close();
    await client.close();
  });

  afterAll(async () => {
    await removeRabbitNamespace(namespace);
  });

  it('answers the requests it had taken before it closes, however long their handlers take', async () => {
    const answers = [50, 300, 600].map((ms) => lastValueFrom(client.send('users.sleep', { ms }).pipe(timeout(5000))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = app!.close();
    app = undefined;
    await expect(Promise.all(answers)).resolves.toEqual([{ slept: 50 }, { slept: 300 }, { slept: 600 }]);
    await closing;
  });

  it('leaves the requests that come after it stopped in the queue, for the next process to answer', async () => {
    await app!.close();
    const answer = lastValueFrom(client.send('users.sleep', { ms: 1 }).pipe(timeout(5000)));
    const module = await Test.createTestingModule({ controllers: [SlowMessagesController] }).compile();
    app = module.createNestMicroservice({ strategy: new RmqRequestServer({ ...options, noAck: false, prefetchCount: 8 }) });
    await app.listen();
    await expect(answer).resolves.toEqual({ slept: 1 });
  });
});
