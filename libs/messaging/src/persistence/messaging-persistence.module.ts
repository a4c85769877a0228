import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { ContextName } from '@tessera/contracts';
import type { DataSource } from 'typeorm';
import { InProcessBroker } from '../inproc/in-process.broker';
import { IntegrationEventPublisher } from '../integration-event.publisher';
import { IN_PROCESS_BROKER } from '../messaging.tokens';
import { IdempotencyStore } from './idempotency.store';
import { Inbox } from './inbox';
import { Outbox } from './outbox';

const PERSISTENCE_CONTEXT = Symbol('PERSISTENCE_CONTEXT');

/** How often the relay looks for events that were not published right after their commit. */
const RELAY_INTERVAL_MS = 1000;

/**
 * Starts the context's outbox relay once the process's message handlers
 * listen (they attach after bootstrap, and an event relayed before would find
 * none of this process's subscribers), and stops it before the database closes.
 */
@Injectable()
class OutboxRelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;

  constructor(
    private readonly outbox: Outbox,
    @Inject(IN_PROCESS_BROKER) private readonly broker: InProcessBroker,
  ) {}

  onApplicationBootstrap(): void {
    void this.broker.attached().then(() => {
      if (!this.stopped) this.outbox.start(RELAY_INTERVAL_MS);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.outbox.stop();
  }
}

/**
 * The outbox, inbox and idempotency store of one context, on the context's
 * own DataSource (from ContextDatabaseModule) and tables (messagingTablesSql).
 */
@Module({})
export class MessagingPersistenceModule {
  static forContext(context: ContextName): DynamicModule {
    const dataSource = getDataSourceToken(context);
    return {
      module: MessagingPersistenceModule,
      providers: [
        // Makes each context's dynamic module distinct, so contexts in one process never share an outbox.
        { provide: PERSISTENCE_CONTEXT, useValue: context },
        { provide: Outbox, inject: [dataSource, IntegrationEventPublisher], useFactory: (ds: DataSource, publisher: IntegrationEventPublisher) => new Outbox(context, ds, publisher) },
        { provide: Inbox, inject: [dataSource], useFactory: (ds: DataSource) => new Inbox(context, ds) },
        { provide: IdempotencyStore, inject: [dataSource], useFactory: (ds: DataSource) => new IdempotencyStore(context, ds) },
        OutboxRelayLifecycle,
      ],
      exports: [Outbox, Inbox, IdempotencyStore],
    };
  }
}
