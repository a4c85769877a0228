import type { IntegrationEventEnvelope } from '@tessera/contracts';
import type { Inbox } from '@tessera/messaging';
import type { EntityManager } from 'typeorm';

/** Inbox's promise in memory, for specs: an event runs its work once per consumer; a failed work is forgotten. */
export class FakeInbox {
  private readonly processed = new Set<string>();

  async processOnce(event: IntegrationEventEnvelope, consumer: string, work: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    if (!event?.eventId) throw new Error(`An integration event without eventId reached ${consumer}`);
    const id = `${event.eventId}|${consumer}`;
    if (this.processed.has(id)) return false;
    this.processed.add(id);
    try {
      await work({} as EntityManager);
      return true;
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
