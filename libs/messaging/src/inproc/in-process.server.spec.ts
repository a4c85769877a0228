import { Controller, INestMicroservice } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { ERROR_CODES } from '@tessera/contracts';
import { Test } from '@nestjs/testing';
import { correlationIdOf } from '../correlation/correlation.envelope';
import { runWithCorrelation } from '../correlation/correlation.store';
import { ContextClient } from '../context-client';
import { InProcessBroker } from './in-process.broker';
import { InProcessClient } from './in-process.client';
import { InProcessServer } from './in-process.server';

type Cancelled = { orderId: string; lines: { sku: string }[] };

/** What each subscriber was handed, as it was handed, and the correlation id it came with. */
const handed: { by: string; event: Cancelled; correlationId?: string }[] = [];
let secondFails = false;

// Two contexts of one process subscribing to one event, as catalog and payments do to ordering.order.cancelled; each
// changes what it was given, as a handler is free to. Each names its consumer as @MessagesController(consumer) does.
@Controller()
class CatalogLikeSubscriber {
  @EventPattern('ordering.order.cancelled', { consumer: 'catalog' })
  async onCancelled(@Payload() event: Cancelled) {
    handed.push({ by: 'first', event, correlationId: correlationIdOf(event) });
    await new Promise((resolve) => setTimeout(resolve, 10));
    event.lines.push({ sku: 'added-by-first' });
  }
}

@Controller()
class PaymentsLikeSubscriber {
  @EventPattern('ordering.order.cancelled', { consumer: 'payments' })
  onCancelled(@Payload() event: Cancelled) {
    handed.push({ by: 'second', event, correlationId: correlationIdOf(event) });
    event.orderId = 'changed-by-second';
    if (secondFails) throw new Error('the second subscriber could not process it');
  }
}

describe('InProcessServer', () => {
  let broker: InProcessBroker;
  let server: INestMicroservice;

  beforeAll(async () => {
    broker = new InProcessBroker();
    const moduleRef = await Test.createTestingModule({ controllers: [CatalogLikeSubscriber, PaymentsLikeSubscriber] }).compile();
    server = moduleRef.createNestMicroservice({ strategy: new InProcessServer(broker), logger: false });
    await server.listen();
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    handed.length = 0;
    secondFails = false;
  });

  it('hands each subscriber of an event a copy of its own, with the correlation id it was published with', async () => {
    const published: Cancelled = { orderId: 'o-1', lines: [{ sku: 'a' }] };
    await runWithCorrelation('req-inproc-1', () => broker.publish('ordering.order.cancelled', published, true));

    expect(handed.map(({ by }) => by).sort()).toEqual(['first', 'second']);
    const [first, second] = ['first', 'second'].map((by) => handed.find((entry) => entry.by === by)!);
    expect(first.event).not.toBe(second.event);
    expect(first.event).toEqual({ orderId: 'o-1', lines: [{ sku: 'a' }, { sku: 'added-by-first' }] });
    expect(second.event).toEqual({ orderId: 'changed-by-second', lines: [{ sku: 'a' }] });
    expect(first.correlationId).toBe('req-inproc-1');
    expect(second.correlationId).toBe('req-inproc-1');
    expect(published).toEqual({ orderId: 'o-1', lines: [{ sku: 'a' }] });
  });

  it('fails the publish when one subscriber fails, once every subscriber has finished', async () => {
    secondFails = true;
    // What Nest's exception filter makes of a failure that is not an RpcException.
    await expect(broker.publish('ordering.order.cancelled', { orderId: 'o-2', lines: [] }, true)).rejects.toEqual({
      status: 'error',
      message: 'Internal server error',
    });
    // Resent by the outbox only after the first subscriber is done, so that the two runs of it never overlap.
    expect(handed.find(({ by }) => by === 'first')?.event.lines).toEqual([{ sku: 'added-by-first' }]);
  });

  it("hands an event published for one consumer (a dead letter's replay) to that consumer's handlers only", async () => {
    await broker.publish('ordering.order.cancelled', { orderId: 'o-3', lines: [] }, true, 'payments');
    expect(handed.map(({ by }) => by)).toEqual(['second']);
    await expect(broker.publish('ordering.order.cancelled', { orderId: 'o-4', lines: [] }, true, 'ordering')).rejects.toThrow(/No handler/);
  });

  it("delivers an event to one subscriber's handlers only, as the outbox does to each subscriber it has not reached yet", async () => {
    await broker.deliver('ordering.order.cancelled', { orderId: 'o-5', lines: [] }, 'catalog');
    expect(handed.map(({ by }) => by)).toEqual(['first']);
    // A consumer hosted here with no handler of the event among those that listen takes it as before: nothing runs.
    await broker.deliver('ordering.order.cancelled', { orderId: 'o-6', lines: [] }, 'gateway');
    expect(handed.map(({ by }) => by)).toEqual(['first']);
  });
});

describe('InProcessServer, an event handler that names no consumer', () => {
  @Controller()
  class Anonymous {
    @EventPattern('ordering.order.cancelled')
    onCancelled() {}
  }

  it('is refused at start, since a delivery by consumer would never reach it', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [Anonymous] }).compile();
    const server = moduleRef.createNestMicroservice({ strategy: new InProcessServer(new InProcessBroker()), logger: false });
    await expect(server.listen()).rejects.toThrow(/ordering.order.cancelled names no consumer/);
    await server.close();
  });
});

describe('InProcessServer, answering a request', () => {
  @Controller()
  class Answering {
    @MessagePattern('users.spec-echo')
    echo(@Payload() payload: unknown) {
      return payload;
    }

    @MessagePattern('users.spec-count')
    count() {
      return { count: 10n };
    }
  }

  let broker: InProcessBroker;
  let server: INestMicroservice;

  beforeAll(async () => {
    broker = new InProcessBroker();
    const moduleRef = await Test.createTestingModule({ controllers: [Answering] }).compile();
    const strategy = new InProcessServer(broker);
    // A handler of Nest's shape that throws rather than failing its promise, as none of Nest's own does.
    strategy.addHandler('users.spec-throw', () => {
      throw { code: ERROR_CODES.INTERNAL, message: 'thrown at once' };
    });
    server = moduleRef.createNestMicroservice({ strategy, logger: false });
    await server.listen();
  });

  afterAll(async () => {
    await server.close();
  });

  it("answers a copy of what the handler answered through Nest's handler chain (an observable)", async () => {
    const payload = { orderId: 'o-1', lines: [{ sku: 'a', at: new Date('2026-12-05T00:00:00Z') }] };
    const answer = await broker.request('users.spec-echo', payload);
    expect(answer).toEqual({ orderId: 'o-1', lines: [{ sku: 'a', at: '2026-12-05T00:00:00.000Z' }] });
    expect((answer as typeof payload).lines).not.toBe(payload.lines);
  });

  it('answers INTERNAL at once to a request whose answer no wire could carry, rather than leaving its caller to time out', async () => {
    const users = new ContextClient('users', new InProcessClient(broker), 60_000);
    await expect(users.send('users.spec-count', {})).rejects.toMatchObject({ code: ERROR_CODES.INTERNAL });
    await users.close();
  });

  it('fails a request whose handler throws instead of failing its promise, rather than leaving it unanswered', async () => {
    await expect(broker.request('users.spec-throw', {})).rejects.toEqual({ code: ERROR_CODES.INTERNAL, message: 'thrown at once' });
  });
});
