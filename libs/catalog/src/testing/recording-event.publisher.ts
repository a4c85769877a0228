import type { IntegrationEventPublisher } from '@tessera/messaging';

/** An IntegrationEventPublisher for tests: remembers what was published, as it would arrive over a wire. */
export class RecordingEventPublisher {
  readonly published: { pattern: string; payload: Record<string, unknown> }[] = [];
  /** Set to make every publish fail, as a broker that is down would. */
  failWith?: Error;

  async publish(pattern: string, payload: object): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.published.push({ pattern, payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown> });
  }

  patterns(): string[] {
    return this.published.map((event) => event.pattern);
  }

  asPublisher(): IntegrationEventPublisher {
    return this as unknown as IntegrationEventPublisher;
  }
}
