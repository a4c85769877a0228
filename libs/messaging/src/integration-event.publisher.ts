import { Logger } from '@nestjs/common';
import { lastValueFrom } from 'rxjs';
import type { ContextClient } from './context-client';
import { InProcessBroker } from './inproc/in-process.broker';
import { throughTheWire } from './inproc/wire';

/**
 * Publishes integration events to every subscriber the topology can reach:
 * the handlers of this process, and each context in another process.
 */
export class IntegrationEventPublisher {
  private readonly logger = new Logger('IntegrationEventPublisher');

  constructor(
    private readonly broker: InProcessBroker,
    private readonly remoteContexts: readonly ContextClient[],
  ) {}

  async publish<TEvent extends object>(pattern: string, event: TEvent): Promise<void> {
    const payload = throughTheWire(event);
    await Promise.all([
      this.broker.publish(pattern, payload),
      ...this.remoteContexts.map((client) =>
        lastValueFrom(client.transport.emit(pattern, payload), { defaultValue: undefined }).catch((error: Error) =>
          this.logger.warn(`Event ${pattern} did not reach ${client.context}: ${error.message ?? error}`),
        ),
      ),
    ]);
  }
}
