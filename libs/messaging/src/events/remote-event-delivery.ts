import type { EventConsumer } from '@tessera/contracts';

/**
 * How an integration event reaches a consumer that runs in another process:
 * a context, or every gateway process. It resolves once the event is safely
 * handed over (the broker stored it, or the TCP peer handled it) and rejects
 * otherwise, so the outbox tries again.
 */
export interface RemoteEventDelivery {
  deliver(subscriber: EventConsumer, pattern: string, payload: object): Promise<void>;
  /** Lets go of the connections that deliver; a broker's are closed with the broker's events. */
  close?(): Promise<void>;
}
