import { DynamicModule, Global, Inject, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { ContextName } from '@tessera/contracts';
import { ContextClient, contextClientToken } from './context-client';
import { InProcessBroker } from './inproc/in-process.broker';
import { InProcessClient } from './inproc/in-process.client';
import { IntegrationEventPublisher } from './integration-event.publisher';
import { RemoteEventDelivery } from './events/remote-event-delivery';
import { BROKER_EVENTS, IN_PROCESS_BROKER, RABBIT_REQUEST_QUEUES, REQUEST_TIMEOUT_MS, TOPOLOGY } from './messaging.tokens';
import { chooseRabbitRequestQueues, RabbitRequestQueues } from './rmq/request-queue-choice';
import { BrokerNames } from './transports/broker-names';
import { isHosted, localEventConsumers, Topology } from './topology/topology';
import { assertBrokerReachable } from './startup/broker-reachability';
import { BrokerEvents, createBrokerEvents, createRemoteEventDelivery, createRemoteProxy } from './transports/transport-factory';

const ALL_CLIENTS = Symbol('ALL_CONTEXT_CLIENTS');
const REMOTE_EVENT_DELIVERY = Symbol('REMOTE_EVENT_DELIVERY');

/**
 * The only way between contexts: one client per context (in process when this
 * process hosts it, over the configured transport when not) and the event publisher.
 */
@Global()
@Module({})
export class MessagingModule implements OnApplicationShutdown {
  constructor(
    @Inject(ALL_CLIENTS) private readonly clients: ContextClient[],
    @Inject(BROKER_EVENTS) private readonly brokerEvents: BrokerEvents | undefined,
    @Inject(REMOTE_EVENT_DELIVERY) private readonly remoteEvents: RemoteEventDelivery | undefined,
  ) {}

  static forTopology(topology: Topology, reachable: readonly ContextName[]): DynamicModule {
    const clientProviders: Provider[] = reachable.map((context) => ({
      provide: contextClientToken(context),
      inject: [IN_PROCESS_BROKER, RABBIT_REQUEST_QUEUES, { token: REQUEST_TIMEOUT_MS, optional: true }],
      useFactory: (broker: InProcessBroker, requestQueues: RabbitRequestQueues | undefined, requestTimeoutMs: (() => number) | undefined) =>
        new ContextClient(
          context,
          createProxy(topology, context, broker, requestTimeoutMs ?? (() => topology.requestTimeoutMs), requestQueues),
          requestTimeoutMs ?? topology.requestTimeoutMs,
          {},
          isHosted(topology, context) ? 'inproc' : topology.transport,
        ),
    }));
    const clientTokens = reachable.map(contextClientToken);
    return {
      module: MessagingModule,
      providers: [
        { provide: TOPOLOGY, useValue: topology },
        { provide: IN_PROCESS_BROKER, useValue: new InProcessBroker() },
        {
          provide: BROKER_EVENTS,
          // While the databases open, not after: a broker that is not there ends the start within its budget, where the
          // clients and servers would wait for it forever.
          useFactory: async () => {
            await assertBrokerReachable(topology);
            return createBrokerEvents(topology);
          },
        },
        {
          provide: RABBIT_REQUEST_QUEUES,
          // After BROKER_EVENTS, which waits for the broker to be reachable.
          inject: [BROKER_EVENTS],
          useFactory: () =>
            topology.transport === 'rmq'
              ? chooseRabbitRequestQueues(topology.rabbitmqUrls, new BrokerNames(topology.namespace), [...new Set([...reachable, ...topology.hosted])])
              : undefined,
        },
        ...clientProviders,
        { provide: ALL_CLIENTS, inject: clientTokens, useFactory: (...clients: ContextClient[]) => clients },
        {
          provide: REMOTE_EVENT_DELIVERY,
          inject: [BROKER_EVENTS, ALL_CLIENTS],
          useFactory: (brokerEvents: BrokerEvents | undefined, clients: ContextClient[]) => createRemoteEventDelivery(topology, brokerEvents, clients),
        },
        {
          provide: IntegrationEventPublisher,
          inject: [IN_PROCESS_BROKER, REMOTE_EVENT_DELIVERY],
          useFactory: (broker: InProcessBroker, remote: RemoteEventDelivery | undefined) =>
            new IntegrationEventPublisher(broker, localEventConsumers(topology), remote, remote ? topology.transport : 'inproc'),
        },
      ],
      exports: [TOPOLOGY, IN_PROCESS_BROKER, BROKER_EVENTS, RABBIT_REQUEST_QUEUES, IntegrationEventPublisher, ...clientTokens],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
    if (this.remoteEvents !== this.brokerEvents) await this.remoteEvents?.close?.();
    await this.brokerEvents?.close();
  }
}

function createProxy(
  topology: Topology,
  context: ContextName,
  broker: InProcessBroker,
  requestTimeoutMs: () => number,
  requestQueues: RabbitRequestQueues | undefined,
): ClientProxy {
  return isHosted(topology, context) ? new InProcessClient(broker) : createRemoteProxy(topology, context, requestTimeoutMs, requestQueues);
}
