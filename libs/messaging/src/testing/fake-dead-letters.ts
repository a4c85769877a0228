import type { ContextName, DeadLetterSlice, IntegrationEventEnvelope } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';
import type { DeadLetters, DeliveryFailure } from '../persistence/dead-letters';

interface FakeDeadLetter extends DeliveryFailure {
  id: string;
  outages: number;
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
 * consumer, dead at the limit (outages apart), forgotten on success; listed newest first,
 * replayed through a pass that lets the event through while the letter stays
 * dead until its consumer answers (ADR 0017), and discarded. The pass does
 * not run out here: no spec waits a minute.
 */
export class FakeDeadLetters {
  readonly failures = new Map<string, FakeDeadLetter>();
  private readonly replaying = new Set<string>();

  async find(eventId: string, consumer: string): Promise<DeliveryFailure | undefined> {
    const key = `${eventId}|${consumer}`;
    const failure = this.failures.get(key);
    if (!failure) return undefined;
    return failure.dead && this.replaying.has(key)
      ? { attempts: failure.attempts, dead: false, replayed: true }
      : { attempts: failure.attempts, dead: failure.dead };
  }

  async recordFailure(
    event: IntegrationEventEnvelope,
    pattern: string,
    consumer: string,
    error: unknown,
    maxAttempts: number,
    outage = false,
  ): Promise<DeliveryFailure> {
    const key = `${event.eventId}|${consumer}`;
    this.replaying.delete(key);
    const now = new Date().toISOString();
    const earlier = this.failures.get(key);
    const attempts = (earlier?.attempts ?? 0) + 1;
    const outages = (earlier?.outages ?? 0) + (outage ? 1 : 0);
    const dead = earlier?.dead === true || (!outage && attempts - outages >= maxAttempts);
    this.failures.set(key, {
      id: earlier?.id ?? randomUUID(),
      eventId: event.eventId,
      consumer,
      pattern,
      payload: { ...event },
      attempts,
      outages,
      dead,
      lastError: (error as Error)?.message ?? String(error),
      firstFailedAt: earlier?.firstFailedAt ?? now,
      lastFailedAt: now,
    });
    return { attempts, dead };
  }

  async list(context: ContextName, criteria: { pattern?: string; offset: number; limit: number }): Promise<DeadLetterSlice> {
    const dead = [...this.failures.values()]
      .filter((letter) => letter.dead && (criteria.pattern === undefined || letter.pattern === criteria.pattern))
      .reverse();
    const items = dead
      .slice(criteria.offset, criteria.offset + criteria.limit)
      .map(({ dead: _dead, outages: _outages, ...letter }) => ({ ...letter, context }));
    return { items, total: dead.length };
  }

  async reopen(id: string): Promise<{ pattern: string; payload: Record<string, unknown>; eventId: string } | undefined> {
    const letter = [...this.failures.values()].find((candidate) => candidate.id === id && candidate.dead);
    if (!letter) return undefined;
    this.replaying.add(`${letter.eventId}|${letter.consumer}`);
    return { pattern: letter.pattern, payload: letter.payload, eventId: letter.eventId };
  }

  async discard(id: string): Promise<boolean> {
    const entry = [...this.failures].find(([, letter]) => letter.id === id && letter.dead);
    return entry ? this.failures.delete(entry[0]) : false;
  }

  async forget(eventId: string, consumer: string): Promise<void> {
    const key = `${eventId}|${consumer}`;
    if (this.replaying.delete(key) || !this.failures.get(key)?.dead) this.failures.delete(key);
  }

  /** The events that are dead letters of `consumer`. */
  deadOf(consumer: string): string[] {
    return [...this.failures.values()].filter((letter) => letter.dead && letter.consumer === consumer).map((letter) => letter.eventId);
  }

  asDeadLetters(): DeadLetters {
    return this as unknown as DeadLetters;
  }
}
