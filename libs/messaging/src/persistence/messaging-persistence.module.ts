import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getDataSourceToken } from '@nestjs/typeorm';
import { PeriodicRound } from '../scheduling/periodic-round';
import { RepeatedFailureLog } from '../scheduling/repeated-failure-log';
import type { ContextName } from '@tessera/contracts';
import type { DataSource } from 'typeorm';
import { DEFAULT_EVENT_MAX_ATTEMPTS } from '../events/event-delivery.rule';
import { MessageHandling } from '../handling/message-handling';
import { InProcessBroker } from '../inproc/in-process.broker';
import { IntegrationEventPublisher } from '../integration-event.publisher';
import { IN_PROCESS_BROKER, REQUEST_TIMEOUT_MS } from '../messaging.tokens';
import { IdempotencyStore } from './idempotency.store';
import { DeadLetters } from './dead-letters';
import { deadLettersMessagesControllerFor } from './dead-letters.messages.controller';
import { Inbox } from './inbox';
import { MESSAGING_CONTEXT } from './messaging-context';
import { MessagingRetention } from './messaging-retention';
import { Outbox } from './outbox';
import { reportBacklog } from '../observability/messaging-metrics';

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
 * Has the metrics report the context's outbox backlog and dead letters while the application runs, once the dead
 * letters an earlier version's replays lost are counted among them again (DeadLetters.restoreLostReplays).
 */
@Injectable()
class MessagingBacklogReporting implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private stopReporting?: () => void;

  constructor(
    private readonly outbox: Outbox,
    private readonly deadLetters: DeadLetters,
    @Inject(MESSAGING_CONTEXT) private readonly context: ContextName,
    private readonly config: ConfigService,
  ) {
    this.logger = new Logger(`DeadLetters(${context})`);
  }

  async onApplicationBootstrap(): Promise<void> {
    const restored = await this.deadLetters.restoreLostReplays(Number(this.config.get('EVENT_MAX_ATTEMPTS') ?? DEFAULT_EVENT_MAX_ATTEMPTS));
    if (restored > 0) this.logger.warn(`${restored} dead letter(s) that an earlier version's replay lost are listed again`);
    this.stopReporting = reportBacklog(this.context, { outbox: () => this.outbox.backlog(), deadLetters: () => this.deadLetters.countDead() });
  }

  onApplicationShutdown(): void {
    this.stopReporting?.();
  }
}

/** How often the old rows of a context's messaging tables are removed. */
const RETENTION_PURGE_INTERVAL_MS = 10 * 60_000;
const DEFAULT_RETENTION_HOURS = 168;

/** Removes the context's old outbox, inbox and idempotency rows every few minutes while the application runs. */
@Injectable()
class MessagingRetentionLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly rounds: PeriodicRound;

  constructor(retention: MessagingRetention, @Inject(MESSAGING_CONTEXT) context: ContextName) {
    this.logger = new Logger(`Retention(${context})`);
    this.rounds = new PeriodicRound(
      async () => {
        const purged = await retention.purge();
        if (purged.outbox + purged.inbox + purged.idempotencyKeys > 0) this.logger.log({ msg: 'old messaging rows removed', ...purged });
      },
      new RepeatedFailureLog(this.logger, 'Removing old messaging rows'),
    );
  }

  onApplicationBootstrap(): void {
    this.rounds.start(RETENTION_PURGE_INTERVAL_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.rounds.stop();
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
      controllers: [deadLettersMessagesControllerFor(context)],
      providers: [
        // Names the consumer of the context's event handlers; it also makes each context's dynamic module distinct,
        // so contexts in one process never share an outbox.
        { provide: MESSAGING_CONTEXT, useValue: context },
        {
          provide: Outbox,
          inject: [dataSource, IntegrationEventPublisher],
          useFactory: (ds: DataSource, publisher: IntegrationEventPublisher) => new Outbox(context, ds, publisher),
        },
        { provide: Inbox, inject: [dataSource], useFactory: (ds: DataSource) => new Inbox(context, ds) },
        {
          provide: IdempotencyStore,
          inject: [dataSource, { token: REQUEST_TIMEOUT_MS, optional: true }],
          useFactory: (ds: DataSource, requestTimeoutMs?: () => number) => new IdempotencyStore(context, ds, requestTimeoutMs),
        },
        { provide: DeadLetters, inject: [dataSource], useFactory: (ds: DataSource) => new DeadLetters(context, ds) },
        {
          provide: MessagingRetention,
          inject: [dataSource, ConfigService],
          useFactory: (ds: DataSource, config: ConfigService) =>
            new MessagingRetention(context, ds, Number(config.get('MESSAGING_RETENTION_HOURS') ?? DEFAULT_RETENTION_HOURS)),
        },
        // What the context's message handlers run in: its dead letters make its events follow the delivery rule.
        MessageHandling,
        OutboxRelayLifecycle,
        MessagingRetentionLifecycle,
        MessagingBacklogReporting,
      ],
      exports: [Outbox, Inbox, IdempotencyStore, DeadLetters, MESSAGING_CONTEXT, MessageHandling],
    };
  }
}
