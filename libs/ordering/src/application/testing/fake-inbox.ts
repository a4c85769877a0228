import type { IntegrationEventEnvelope } from '@tessera/contracts';
import type { Inbox } from '@tessera/messaging';

/** The transaction a FakeInbox hands to its work: a token the in-memory repository accepts. */
export const FAKE_TRANSACTION = Object.freeze({ fake: 'transaction' });

/** An Inbox for tests: runs work once per (eventId, consumer); a failed run is forgotten, as a rolled back transaction would be. */
export class FakeInbox {
  private readonly processed = new Set<string>();

  async processOnce(event: IntegrationEventEnvelope, consumer: string, work: (manager: never) => Promise<void>): Promise<boolean> {
    const key = `${event.eventId}|${consumer}`;
    if (this.processed.has(key)) return false;
    this.processed.add(key);
    try {
      await work(FAKE_TRANSACTION as never);
      return true;
    } catch (error) {
      this.processed.delete(key);
      throw error;
    }
  }

  asInbox(): Inbox {
    return this as unknown as Inbox;
  }
}
