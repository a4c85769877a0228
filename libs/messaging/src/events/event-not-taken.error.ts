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

function messageOf(error: unknown): string {
  return (error as Error | undefined)?.message ?? JSON.stringify(error);
}
