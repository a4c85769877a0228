import type { IntegrationEventPublisher } from '@tessera/messaging';

/** Records what would have been published, as it would arrive (through JSON). */
export class FakeIntegrationEventPublisher implements Pick<IntegrationEventPublisher, 'publish'> {
  readonly published: { pattern: string; payload: unknown }[] = [];
  private failure?: Error;

  async publish<TEvent extends object>(pattern: string, event: TEvent): Promise<void> {
    if (this.failure) throw this.failure;
    this.published.push({ pattern, payload: JSON.parse(JSON.stringify(event)) });
  }

  /** Makes every later publish fail, as an unreachable broker would. */
  failWith(error: Error): void {
    this.failure = error;
  }

  patterns(): string[] {
    return this.published.map((event) => event.pattern);
  }
}
