import { EVENT_SUBSCRIBERS } from '@tessera/contracts';
import { lastValueFrom, timeout } from 'rxjs';
import type { ContextClient } from './context-client';
import { InProcessBroker } from './inproc/in-process.broker';
import { throughTheWire } from './inproc/wire';

/** A subscriber that does not take an event within this long is retried later by the outbox, not waited for. */
const REMOTE_DELIVERY_TIMEOUT_MS = 5000;

/**
 * Publishes integration events to every subscriber the topology can reach:
 * the handlers of this process, and each subscribing context in another
 * process. It fails when a subscriber could not be reached or failed, so the
 * outbox delivers the event again.
 */
export class IntegrationEventPublisher {
  constructor(
    private readonly broker: InProcessBroker,
    private readonly remoteContexts: readonly ContextClient[],
  ) {}

  async publish<TEvent extends object>(pattern: string, event: TEvent): Promise<void> {
    const payload = throughTheWire(event);
    const subscribers = EVENT_SUBSCRIBERS[pattern] ?? [];
    await Promise.all([
      this.broker.publish(pattern, payload),
      ...this.remoteContexts
        .filter((client) => subscribers.includes(client.context))
        .map((client) => lastValueFrom(client.transport.emit(pattern, payload).pipe(timeout(REMOTE_DELIVERY_TIMEOUT_MS)), { defaultValue: undefined })),
    ]);
  }
}
