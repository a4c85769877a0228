import type { Outbox } from '../persistence/outbox';
import { throughJson } from './next-turn';

/** An Outbox for tests: events added in a transaction wait until flush() publishes them. */
export class FakeOutbox {
  readonly pending: { pattern: string; payload: Record<string, unknown> }[] = [];
  readonly published: { pattern: string; payload: Record<string, unknown> }[] = [];

  async add(_manager: unknown, pattern: string, payload: object): Promise<void> {
    this.pending.push({ pattern, payload: throughJson(payload) as Record<string, unknown> });
  }

  flush(): void {
    this.published.push(...this.pending.splice(0));
  }

  patterns(): string[] {
    return this.published.map((event) => event.pattern);
  }

  asOutbox(): Outbox {
    return this as unknown as Outbox;
  }
}
