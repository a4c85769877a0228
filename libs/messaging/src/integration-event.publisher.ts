import type { EventConsumer } from '@tessera/contracts';
import { subscribersOf } from './events/event-routes';
import { RemoteEventDelivery } from './events/remote-event-delivery';
import { InProcessBroker } from './inproc/in-process.broker';
import { throughTheWire } from './inproc/wire';
import { outcomeOf } from './observability/messaging-metrics';
import { inMessagingSpan } from './observability/messaging-tracing';
import type { TransportName } from './topology/topology';

/**
 * Publishes integration events to every subscriber the topology can reach:
 * the handlers of this process, and each subscribing context, or every
 * gateway, in other processes. It fails when a subscriber could not be
 * reached or failed, so the outbox delivers the event again. Each publication
 * is a span, under the span of the request that caused the event (the outbox
 * keeps its trace context with the event), and every subscriber's handling is
 * a child of it.
 */
export class IntegrationEventPublisher {
  constructor(
    private readonly broker: InProcessBroker,
    private readonly localConsumers: readonly EventConsumer[],
    private readonly remote?: RemoteEventDelivery,
    /** The transport of the remote deliveries, as the spans name it. */
    private readonly transport: TransportName = 'inproc',
  ) {}

  publish<TEvent extends object>(pattern: string, event: TEvent): Promise<void> {
    const eventId = (event as { eventId?: unknown }).eventId;
    const attributes = typeof eventId === 'string' ? { 'messaging.message.id': eventId } : undefined;
    return inMessagingSpan('publish', pattern, { transport: this.transport, attributes, outcomeOf }, () => this.deliver(pattern, event));
  }

  private async deliver(pattern: string, event: object): Promise<void> {
    const payload = throughTheWire(event);
    const subscribers = subscribersOf(pattern);
    const remoteSubscribers = subscribers.filter((consumer) => !this.localConsumers.includes(consumer));
    const localSubscribers = subscribers.length > remoteSubscribers.length;
    if (remoteSubscribers.length > 0 && !this.remote) {
      throw new Error(`${pattern} has subscribers in other processes (${remoteSubscribers.join(', ')}) and no transport reaches them`);
    }
    await Promise.all([
      this.broker.publish(pattern, payload, localSubscribers),
      ...remoteSubscribers.map((consumer) => this.remote!.deliver(consumer, pattern, payload)),
    ]);
  }
}
