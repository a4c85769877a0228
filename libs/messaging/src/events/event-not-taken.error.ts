import type { EventConsumer } from '@tessera/contracts';

/** Why one subscriber did not take an event. */
export interface SubscriberFailure {
  subscriber: EventConsumer;
  error: unknown;
}

/**
 * A publication that some of its subscribers did not take: it names those
 * that did, so that the outbox leaves them out of the next try, and why each
 * of the others did not.
 */
export class EventNotTakenError extends Error {
  constructor(
    readonly taken: readonly EventConsumer[],
    readonly failures: readonly SubscriberFailure[],
  ) {
    super(`not taken by ${failures.map(({ subscriber, error }) => `${subscriber} (${messageOf(error)})`).join(', ')}`);
    this.name = 'EventNotTakenError';
  }
}

/**
 * Why a subscriber did not take it, for the outbox's warning. nats.js names a refusal by JetStream by its code alone
 * ("503"), the server's own words ("insufficient resources": its storage is full) being in `api_error`.
 */
function messageOf(error: unknown): string {
  const { message, api_error: refusal } = (error ?? {}) as { message?: unknown; api_error?: { description?: unknown } };
  if (typeof message !== 'string') return JSON.stringify(error);
  const said = refusal?.description;
  return typeof said === 'string' && !message.includes(said) ? `${message}: ${said}` : message;
}
