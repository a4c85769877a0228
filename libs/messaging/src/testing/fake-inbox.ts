import type { IntegrationEventEnvelope } from '@tessera/contracts';
import type { EntityManager } from 'typeorm';
import type { Inbox } from '../persistence/inbox';

/** The stand-in transaction a FakeInbox hands to one run of work. */
export interface FakeTransaction {
  readonly fakeTransaction: true;
  readonly eventId: string;
  readonly consumer: string;
}

/** Whether `transaction` is one a FakeInbox handed out: what an in-memory repository may join. */
export function isFakeTransaction(transaction: unknown): transaction is FakeTransaction {
  return (transaction as FakeTransaction | undefined)?.fakeTransaction === true;
}

/**
 * Inbox's promise in memory, for specs: an event runs its work once per
 * consumer, claimed before the work runs so that a concurrent duplicate is
 * dropped; a failed work is forgotten, as a rolled back transaction would be,
 * so that a redelivery runs it again.
 */
export class FakeInbox {
  private readonly processed = new Set<string>();
  /** The stand-in transaction each run of work was handed, in order. */
  readonly transactions: FakeTransaction[] = [];

  async processOnce(event: IntegrationEventEnvelope, consumer: string, work: (manager: EntityManager) => Promise<void>): Promise<EntityManager | undefined> {
    if (!event?.eventId) throw new Error(`An integration event without eventId reached ${consumer}`);
    const id = `${event.eventId}|${consumer}`;
    if (this.processed.has(id)) return undefined;
    this.processed.add(id);
    const transaction: FakeTransaction = Object.freeze({ fakeTransaction: true, eventId: event.eventId, consumer });
    this.transactions.push(transaction);
    try {
      await work(transaction as unknown as EntityManager);
      return transaction as unknown as EntityManager;
    } catch (error) {
      this.processed.delete(id);
      throw error;
    }
  }

  has(eventId: string, consumer: string): boolean {
    return this.processed.has(`${eventId}|${consumer}`);
  }

  asInbox(): Inbox {
    return this as unknown as Inbox;
  }
}
