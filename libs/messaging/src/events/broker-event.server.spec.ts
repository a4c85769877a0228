import { Controller, INestMicroservice } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import type { EventConsumer } from '@tessera/contracts';
import { toWire } from '../correlation/correlation.envelope';
import { BrokerEventServer, DurableEventSource, EventHandoff } from './broker-event.server';
import { retryAfterMsOf } from './redelivery-delay';

type Cancelled = { orderId: string };

const handled: { by: EventConsumer; orderId: string }[] = [];
let paymentsFails = false;

// Catalog and payments hosted in one process, both subscribers of ordering.order.cancelled, as a split may host them.
@Controller()
class CatalogSubscriber {
  @EventPattern('ordering.order.cancelled', { consumer: 'catalog' })
  onCancelled(@Payload() event: Cancelled) {
    handled.push({ by: 'catalog', orderId: event.orderId });
  }
}

@Controller()
class PaymentsSubscriber {
  @EventPattern('ordering.order.cancelled', { consumer: 'payments' })
  onCancelled(@Payload() event: Cancelled) {
    handled.push({ by: 'payments', orderId: event.orderId });
    if (paymentsFails) throw new Error('payments could not process it');
  }
}

/** A broker's durable queues, one per consumer, that the test fills by hand. */
class HandFedQueues implements DurableEventSource {
  readonly handoffs = new Map<EventConsumer, EventHandoff>();

  async consume(consumer: EventConsumer, handle: EventHandoff): Promise<() => Promise<void>> {
    this.handoffs.set(consumer, handle);
    return async () => void this.handoffs.delete(consumer);
  }

  deliver(consumer: EventConsumer, orderId: string): Promise<void> {
    return this.handoffs.get(consumer)!('ordering.order.cancelled', toWire({ orderId }), false);
  }
}

describe('BrokerEventServer', () => {
  const queues = new HandFedQueues();
  let server: INestMicroservice;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [CatalogSubscriber, PaymentsSubscriber] }).compile();
    server = moduleRef.createNestMicroservice({ strategy: new BrokerEventServer(queues, ['catalog', 'payments', 'ordering', 'gateway']), logger: false });
    await server.listen();
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    handled.length = 0;
    paymentsFails = false;
  });

  it("hands an event from a consumer's queue to that consumer's handler only, so each subscriber here runs once", async () => {
    await queues.deliver('catalog', 'o-1');
    await queues.deliver('payments', 'o-1');
    expect(handled).toEqual([
      { by: 'catalog', orderId: 'o-1' },
      { by: 'payments', orderId: 'o-1' },
    ]);
  });

  it('fails only the queue of the consumer whose handler failed, so that only its event comes back', async () => {
    paymentsFails = true;
    await expect(queues.deliver('catalog', 'o-2')).resolves.toBeUndefined();
    await expect(queues.deliver('payments', 'o-2')).rejects.toBeDefined();
    expect(handled).toEqual([
      { by: 'catalog', orderId: 'o-2' },
      { by: 'payments', orderId: 'o-2' },
    ]);
  });

  // A publisher upgraded before its consumer, in a rolling upgrade, routes to it an event that only its next version takes.
  it('keeps on the queue an event routed to a consumer that has no handler of it here, offered again in 30 s', async () => {
    const refusal = queues.deliver('ordering', 'o-3');
    await expect(refusal).rejects.toMatchObject({ code: 'NO_HANDLER', details: { retryAfterMs: 30_000 } });
    expect(retryAfterMsOf(await refusal.catch((error: unknown) => error))).toBe(30_000);
    expect(handled).toEqual([]);
  });

  it("takes off the gateway's queue an event it has no handler of: its events only correct its caches", async () => {
    await expect(queues.deliver('gateway', 'o-4')).resolves.toBeUndefined();
    expect(handled).toEqual([]);
  });
});
