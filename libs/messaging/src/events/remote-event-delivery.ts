import type { ContextName } from '@tessera/contracts';

/**
 * How an integration event reaches a subscribing context that runs in another
 * process. It resolves once the event is safely handed over (the broker stored
 * it, or the TCP peer took it) and rejects otherwise, so the outbox tries again.
 */
export interface RemoteEventDelivery {
  deliver(subscriber: ContextName, pattern: string, payload: object): Promise<void>;
}
