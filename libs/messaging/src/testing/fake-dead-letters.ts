import type { IntegrationEventEnvelope } from '@tessera/contracts';
import type { DeadLetters, DeliveryFailure } from '../persistence/dead-letters';

/** DeadLetters' rules in memory, for specs: failures counted per event and consumer, dead at the limit, forgotten on success. */
export class FakeDeadLetters {
  readonly failures = new Map<string, DeliveryFailure & { pattern: string; lastError: string }>();

  async find(eventId: string, consumer: string): Promise<DeliveryFailure | undefined> {
    const failure = this.failures.get(`${eventId}|${consumer}`);
    return failure && { attempts: failure.attempts, dead: failure.dead };
  }

  async recordFailure(event: IntegrationEventEnvelope, pattern: string, consumer: string, error: unknown, maxAttempts: number): Promise<DeliveryFailure> {
    const key = `${event.eventId}|${consumer}`;
    const attempts = (this.failures.get(key)?.attempts ?? 0) + 1;
    const failure = { attempts, dead: attempts >= maxAttempts, pattern, lastError: (error as Error)?.message ?? String(error) };
    this.failures.set(key, failure);
    return { attempts: failure.attempts, dead: failure.dead };
  }

  async forget(eventId: string, consumer: string): Promise<void> {
    const key = `${eventId}|${consumer}`;
    if (!this.failures.get(key)?.dead) this.failures.delete(key);
  }

  /** The events that are dead letters of `consumer`. */
  deadOf(consumer: string): string[] {
    return [...this.failures].filter(([key, failure]) => failure.dead && key.endsWith(`|${consumer}`)).map(([key]) => key.split('|')[0]);
  }

  asDeadLetters(): DeadLetters {
    return this as unknown as DeadLetters;
  }
}
