import type { IntegrationEventEnvelope } from '@tessera/contracts';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A context's inbox: an event is processed at most once per consumer, in the
 * same transaction as the work it causes, whatever the transport redelivers.
 */
export class Inbox {
  constructor(
    private readonly schema: string,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Runs `work` unless `consumer` already processed this event. Answers the
   * transaction it committed, for the outbox to publish what `work` queued
   * (Outbox.flush), or undefined when the event was processed before.
   */
  async processOnce(event: IntegrationEventEnvelope, consumer: string, work: (manager: EntityManager) => Promise<void>): Promise<EntityManager | undefined> {
    if (!event?.eventId) throw new Error(`An integration event without eventId reached ${consumer}`);
    return this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO "${this.schema}".inbox (event_id, consumer) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
        [event.eventId, consumer],
      );
      if (inserted.length === 0) return undefined;
      await work(manager);
      return manager;
    });
  }
}
