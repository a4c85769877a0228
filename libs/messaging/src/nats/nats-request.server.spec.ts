import { INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom, timeout } from 'rxjs';
import { natsWanted, TEST_NATS_URL, testNamespace } from '../../../../test/harness/brokers';
import { MessagesController } from '../messages-controller.decorator';
import { BrokerNames } from '../transports/broker-names';
import { NatsRequestClient } from './nats-request.client';
import { NatsRequestServer } from './nats-request.server';

@MessagesController()
class SlowMessagesController {
  @MessagePattern('users.sleep')
  async sleep(@Payload() { ms }: { ms: number }) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { slept: ms };
  }
}

(natsWanted() ? describe : describe.skip)('a NATS request server that is stopped', () => {
  let app: INestMicroservice | undefined;
  let client: NatsRequestClient;

  beforeEach(async () => {
    const names = new BrokerNames(testNamespace('nats-stop'));
    const module = await Test.createTestingModule({ controllers: [SlowMessagesController] }).compile();
    app = module.createNestMicroservice({ strategy: new NatsRequestServer(['users'], names, { servers: TEST_NATS_URL }) });
    await app.listen();
    client = new NatsRequestClient('users', names, { servers: TEST_NATS_URL });
    await client.connect();
  });

  afterEach(async () => {
    await app?.close();
    await client.close();
  });

  it('answers the requests it had taken before it closes, however long their handlers take', async () => {
    const answers = [50, 300, 600].map((ms) => lastValueFrom(client.send('users.sleep', { ms }).pipe(timeout(5000))));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const closing = app!.close();
    app = undefined;
    await expect(Promise.all(answers)).resolves.toEqual([{ slept: 50 }, { slept: 300 }, { slept: 600 }]);
    await closing;
  });

  it('leaves new requests to other processes once closed: with none, the caller learns it at once', async () => {
    await app!.close();
    app = undefined;
    const started = Date.now();
    await expect(lastValueFrom(client.send('users.sleep', { ms: 1 }).pipe(timeout(5000)))).rejects.toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
