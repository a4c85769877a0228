import type { ContextName, DeadLetterSlice, IntegrationEventEnvelope } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';
import type { DeadLetters, DeliveryFailure } from '../persistence/dead-letters';

interface FakeDeadLetter extends DeliveryFailure {
  id: string;
  eventId: string;
  consumer: string;
  pattern: string;
  payload: Record<string, unknown>;
  lastError: string;
  firstFailedAt: string;
  lastFailedAt: string;
}

/**
 * DeadLetters' rules in memory, for specs: failures counted per event and
 * consumer, dead at the limit, forgotten on success; listed newest first,
 * reopened for a replay with their attempts kept, and discarded.
 */
export class FakeDeadLetters {
  readonly failures = new Map<string, FakeDeadLetter>();

  async find(eventId: string, consumer: string): Promise<DeliveryFailure | undefined> {
    const failure = this.failures.get(`${eventId}|${consumer}`);
    return failure && { attempts: failure.attempts, dead: failure.dead };
  }

  async recordFailure(event: IntegrationEventEnvelope, pattern: string, consumer: string, error: unknown, maxAttempts: number): Promise<DeliveryFailure> {
    const key = `${event.eventId}|${consumer}`;
    const now = new Date().toISOString();
    const earlier = this.failures.get(key);
    const attempts = (earlier?.attempts ?? 0) + 1;
    this.failures.set(key, {
      id: earlier?.id ?? randomUUID(),
      eventId: event.eventId,
      consumer,
      pattern,
      payload: { ...event },
      attempts,
      dead: attempts >= maxAttempts,
      lastError: (error as Error)?.message ?? String(error),
      firstFailedAt: earlier?.firstFailedAt ?? now,
      lastFailedAt: now,
    });
    return { attempts, dead: attempts >= maxAttempts };
  }

  async list(context: ContextName, criteria: { pattern?: string; offset: number; limit: number }): Promise<DeadLetterSlice> {
    const dead = [...this.failures.values()]
      .filter((letter) => letter.dead && (criteria.pattern === undefined || letter.pattern === criteria.pattern))
      .reverse();
    const items = dead.slice(criteria.offset, criteria.offset + criteria.limit).map(({ dead: _dead, ...letter }) => ({ ...letter, context }));
    return { items, total: dead.length };
  }

  async reopen(id: string): Promise<{ pattern: string; payload: Record<string, unknown>; eventId: string } | undefined> {
    const letter = [...this.failures.values()].find((candidate) => candidate.id === id && candidate.dead);
    if (!letter) return undefined;
    letter.dead = false;
    return { pattern: letter.pattern, payload: letter.payload, eventId: letter.eventId };
  }

  async discard(id: string): Promise<boolean> {
    const entry = [...this.failures].find(([, letter]) => letter.id === id && letter.dead);
    return entry ? this.failures.delete(entry[0]) : false;
  }

  async forget(eventId: string, consumer: string): Promise<void> {
    const key = `${eventId}|${consumer}`;
    if (!this.failures.get(key)?.dead) this.failures.delete(key);
  }

  /** The events that are dead letters of `consumer`. */
  deadOf(consumer: string): string[] {
    return [...this.failures.values()].filter((letter) => letter.dead && letter.consumer === consumer).map((letter) => letter.eventId);
  }

  asDeadLetters(): DeadLetters {
    return this as unknown as DeadLetters;
  }
}
