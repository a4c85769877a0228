import type { IntegrationEventEnvelope } from '@tessera/contracts';

// The events a broker delivered again (nak, requeue, a RabbitMQ retry queue, a consumer that died holding them), as
// the payload object the handler takes; they go when the payload does.
const redelivered = new WeakSet<object>();

/** Notes that a broker delivered this received event before: its consumer may have failed it already. */
export function markRedelivered(event: unknown): void {
  if (typeof event === 'object' && event !== null) redelivered.add(event);
}

/**
 * Whether this is the first time any consumer can have been handed the event:
 * its first publication, not delivered again by a broker. A consumer cannot
 * have failed it before, so there is no dead letter of it to look up.
 */
export function isFirstDelivery(event: IntegrationEventEnvelope): boolean {
  return event.publication === 1 && !redelivered.has(event);
}
