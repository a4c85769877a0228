import { ORDERING_EVENTS, type EventConsumer } from '@tessera/contracts';
import { EventNotTakenError } from './events/event-not-taken.error';
import type { RemoteEventDelivery } from './events/remote-event-delivery';
import { InProcessBroker, InProcessEndpoint } from './inproc/in-process.broker';
import { IntegrationEventPublisher } from './integration-event.publisher';

/** Subscribed to by catalog and payments (EVENT_SUBSCRIBERS). */
const TWO_SUBSCRIBERS = ORDERING_EVENTS.ORDER_CANCELLED;

/** A server of this process hosting `consumer`'s handlers of `patterns`; records the events they are handed. */
function handlersOf(consumer: EventConsumer, patterns: string[]): InProcessEndpoint & { handed: unknown[] } {
  const handed: unknown[] = [];
  return {
    handed,
    canHandle: (pattern, asEvent, of) => asEvent && patterns.includes(pattern) && (of === undefined || of === consumer),
    handleRequest: () => Promise.reject(new Error('no requests here')),
    handleEventMessage: async (_pattern, envelope) => void handed.push(envelope.$data),
  };
}

/** The subscribers in other processes, as a transport reaches them: those listed in `down` cannot be reached. */
function otherProcesses(down: EventConsumer[] = []): RemoteEventDelivery & { handed: [EventConsumer, unknown][] } {
  const handed: [EventConsumer, unknown][] = [];
  return {
    handed,
    deliver: async (subscriber, _pattern, payload) => {
      if (down.includes(subscriber)) throw new Error(`${subscriber} is unreachable`);
      handed.push([subscriber, payload]);
    },
  };
}

describe('IntegrationEventPublisher', () => {
  it('hands an event to each subscriber on its own: one that fails holds up none of the others, and the failure names those that took it', async () => {
    const broker = new InProcessBroker();
    const catalog = handlersOf('catalog', [TWO_SUBSCRIBERS]);
    broker.attach(catalog);
    const publisher = new IntegrationEventPublisher(broker, ['catalog'], otherProcesses(['payments']), 'tcp');

    const failure = await publisher.publish(TWO_SUBSCRIBERS, { orderId: 'o-1' }).catch((error: unknown) => error);

    expect(catalog.handed).toEqual([{ orderId: 'o-1' }]);
    expect(failure).toBeInstanceOf(EventNotTakenError);
    expect(failure).toMatchObject({ taken: ['catalog'], failures: [{ subscriber: 'payments', error: new Error('payments is unreachable') }] });
  });

  it('hands an event to the subscribers it is given only, as the outbox sends it again to those that did not take it', async () => {
    const broker = new InProcessBroker();
    const catalog = handlersOf('catalog', [TWO_SUBSCRIBERS]);
    broker.attach(catalog);
    const remote = otherProcesses();
    const publisher = new IntegrationEventPublisher(broker, ['catalog'], remote, 'tcp');

    await publisher.publish(TWO_SUBSCRIBERS, { orderId: 'o-2' }, ['payments']);

    expect(catalog.handed).toEqual([]);
    expect(remote.handed).toEqual([['payments', { orderId: 'o-2' }]]);
  });

  it('fails for a subscriber in another process that no transport reaches, and delivers to those of this process all the same', async () => {
    const broker = new InProcessBroker();
    const catalog = handlersOf('catalog', [TWO_SUBSCRIBERS]);
    broker.attach(catalog);
    const publisher = new IntegrationEventPublisher(broker, ['catalog']);

    await expect(publisher.publish(TWO_SUBSCRIBERS, { orderId: 'o-3' })).rejects.toMatchObject({
      taken: ['catalog'],
      failures: [{ subscriber: 'payments', error: new Error(`${TWO_SUBSCRIBERS} has a subscriber in another process (payments) and no transport reaches it`) }],
    });
    expect(catalog.handed).toEqual([{ orderId: 'o-3' }]);
  });

  it('fails for a subscriber of this process while no handler of the event listens yet', async () => {
    const publisher = new IntegrationEventPublisher(new InProcessBroker(), ['catalog', 'payments']);

    await expect(publisher.publish(TWO_SUBSCRIBERS, { orderId: 'o-4' })).rejects.toMatchObject({
      taken: [],
      failures: [
        { subscriber: 'catalog', error: new Error(`No handler of ${TWO_SUBSCRIBERS} is listening in this process yet`) },
        { subscriber: 'payments', error: new Error(`No handler of ${TWO_SUBSCRIBERS} is listening in this process yet`) },
      ],
    });
  });

  it('hands an event that no route names to its handlers in this process', async () => {
    const broker = new InProcessBroker();
    const probe = handlersOf('ordering', ['probe.unrouted']);
    broker.attach(probe);

    await new IntegrationEventPublisher(broker, ['ordering']).publish('probe.unrouted', { n: 1 });

    expect(probe.handed).toEqual([{ n: 1 }]);
  });
});
