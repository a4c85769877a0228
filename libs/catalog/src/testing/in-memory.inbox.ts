import type { IntegrationEventEnvelope } from '@tessera/contracts';
import type { Inbox } from '@tessera/messaging';
import type { EntityManager } from 'typeorm';

/**
 * An Inbox for tests: runs the work once per event and consumer, hands it a
 * stand-in transaction, and forgets an event whose work failed, so that a
 * redelivery runs it again.
 */
export class InMemoryInbox {
  private readonly processed = new Set<string>();
  /** The stand-in transaction each run of work was handed, in order. */
  readonly transactions: object[] = [];

  async processOnce(event: IntegrationEventEnvelope, consumer: string, work: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    const key = `${event.eventId} ${consumer}`;
    if (this.processed.has(key)) return false;
    // Claimed before the work runs, as the inbox row is inserted first, so that a concurrent duplicate is dropped.
    this.processed.add(key);
    const transaction = { eventId: event.eventId, consumer };
    this.transactions.push(transaction);
    try {
      await work(transaction as unknown as EntityManager);
    } catch (error) {
      this.processed.delete(key);
      throw error;
    }
    return true;
  }

  asInbox(): Inbox {
    return this as unknown as Inbox;
  }
}
