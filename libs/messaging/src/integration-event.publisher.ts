import type { EventConsumer } from '@tessera/contracts';
import { subscribersOf } from './events/event-routes';
import { RemoteEventDelivery } from './events/remote-event-delivery';
import { InProcessBroker } from './inproc/in-process.broker';
import { throughTheWire } from './inproc/wire';

/**
 * Publishes integration events to every subscriber the topology can reach:
 * the handlers of this process, and each subscribing context, or every
 * gateway, in other processes. It fails when a subscriber could not be
 * reached or failed, so the outbox delivers the event again.
 */
export class IntegrationEventPublisher {
  constructor(
    private readonly broker: InProcessBroker,
    private readonly localConsumers: readonly EventConsumer[],
    private readonly remote?: RemoteEventDelivery,
  ) {}

  async publish<TEvent extends object>(pattern: string, event: TEvent): Promise<void> {
    const payload = throughTheWire(event);
    const subscribers = subscribersOf(pattern);
    const remoteSubscribers = subscribers.filter((consumer) => !this.localConsumers.includes(consumer));
    const localSubscribers = subscribers.length > remoteSubscribers.length;
    if (remoteSubscribers.length > 0 && !this.remote) {
      throw new Error(`${pattern} has subscribers in other processes (${remoteSubscribers.join(', ')}) and no transport reaches them`);
    }
    await Promise.all([this.broker.publish(pattern, payload, localSubscribers), ...remoteSubscribers.map((consumer) => this.remote!.deliver(consumer, pattern, payload))]);
  }
}
