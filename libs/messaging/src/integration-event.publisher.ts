import type { EventConsumer } from '@tessera/contracts';
import { EventNotTakenError } from './events/event-not-taken.error';
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
 * gateway, in other processes. Each subscriber gets the event on its own, so
 * that one that is down or fails holds up none of the others; the publication
 * fails when one could not be reached or failed, saying which took the event
 * (EventNotTakenError), so the outbox delivers it again to the others only.
 * Each publication is a span, under the span of the request that caused the
 * event (the outbox keeps its trace context with the event), and every
 * subscriber's handling is a child of it.
 */
export class IntegrationEventPublisher {
  constructor(
    private readonly broker: InProcessBroker,
    private readonly localConsumers: readonly EventConsumer[],
    private readonly remote?: RemoteEventDelivery,
    /** The transport of the remote deliveries, as the spans name it. */
    private readonly transport: TransportName = 'inproc',
  ) {}

  /**
   * Delivers the event to `subscribers`, by default to every subscriber of its
   * pattern; an event that no route names (EVENT_SUBSCRIBERS) goes to its
   * handlers in this process, if any. Resolves once each has taken it, and
   * rejects otherwise with EventNotTakenError.
   */
  publish<TEvent extends object>(pattern: string, event: TEvent, subscribers?: readonly EventConsumer[]): Promise<void> {
    const eventId = (event as { eventId?: unknown }).eventId;
    const attributes = typeof eventId === 'string' ? { 'messaging.message.id': eventId } : undefined;
    return inMessagingSpan('publish', pattern, { transport: this.transport, attributes, outcomeOf: outcomeOfPublication }, () =>
      this.deliver(pattern, event, subscribers),
    );
  }

  private async deliver(pattern: string, event: object, only?: readonly EventConsumer[]): Promise<void> {
    const payload = throughTheWire(event);
    const routed = subscribersOf(pattern);
    if (only === undefined && routed.length === 0) return this.broker.publish(pattern, payload);
    const subscribers = only ?? routed;
    const outcomes = await Promise.allSettled(subscribers.map((subscriber) => this.deliverTo(subscriber, pattern, payload)));
    const failures = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [{ subscriber: subscribers[index], error: outcome.reason }] : []));
    if (failures.length === 0) return;
    throw new EventNotTakenError(
      subscribers.filter((_, index) => outcomes[index].status === 'fulfilled'),
      failures,
    );
  }

  private async deliverTo(subscriber: EventConsumer, pattern: string, payload: object): Promise<void> {
    if (this.localConsumers.includes(subscriber)) return this.broker.deliver(pattern, payload, subscriber);
    if (!this.remote) throw new Error(`${pattern} has a subscriber in another process (${subscriber}) and no transport reaches it`);
    return this.remote.deliver(subscriber, pattern, payload);
  }
}

/** A publication some subscriber did not take ended as the first such subscriber's delivery did. */
function outcomeOfPublication(error: unknown): ReturnType<typeof outcomeOf> {
  return outcomeOf(error instanceof EventNotTakenError ? error.failures[0].error : error);
}
