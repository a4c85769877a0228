import { DynamicModule, Global, Inject, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { ContextName } from '@tessera/contracts';
import { ContextClient, contextClientToken } from './context-client';
import { InProcessBroker } from './inproc/in-process.broker';
import { InProcessClient } from './inproc/in-process.client';
import { IntegrationEventPublisher } from './integration-event.publisher';
import { IN_PROCESS_BROKER, TOPOLOGY } from './messaging.tokens';
import { isHosted, Topology } from './topology/topology';

const ALL_CLIENTS = Symbol('ALL_CONTEXT_CLIENTS');

/**
 * The only way between contexts: one client per context (in process when this
 * process hosts it, over the configured transport when not) and the event publisher.
 */
@Global()
@Module({})
export class MessagingModule implements OnApplicationShutdown {
  constructor(@Inject(ALL_CLIENTS) private readonly clients: ContextClient[]) {}

  static forTopology(topology: Topology, reachable: readonly ContextName[]): DynamicModule {
    const clientProviders: Provider[] = reachable.map((context) => ({
      provide: contextClientToken(context),
      inject: [IN_PROCESS_BROKER],
      useFactory: (broker: InProcessBroker) => new ContextClient(context, createProxy(topology, context, broker), topology.requestTimeoutMs),
    }));
    const clientTokens = reachable.map(contextClientToken);
    return {
      module: MessagingModule,
      providers: [
        { provide: TOPOLOGY, useValue: topology },
        { provide: IN_PROCESS_BROKER, useValue: new InProcessBroker() },
        ...clientProviders,
        { provide: ALL_CLIENTS, inject: clientTokens, useFactory: (...clients: ContextClient[]) => clients },
        {
          provide: IntegrationEventPublisher,
          inject: [IN_PROCESS_BROKER, ALL_CLIENTS],
          useFactory: (broker: InProcessBroker, clients: ContextClient[]) =>
            new IntegrationEventPublisher(broker, clients.filter((client) => !isHosted(topology, client.context))),
        },
      ],
      exports: [TOPOLOGY, IN_PROCESS_BROKER, IntegrationEventPublisher, ...clientTokens],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }
}

function createProxy(topology: Topology, context: ContextName, broker: InProcessBroker): ClientProxy {
  if (isHosted(topology, context)) return new InProcessClient(broker);
  switch (topology.transport) {
    case 'tcp':
      return ClientProxyFactory.create({ transport: Transport.TCP, options: topology.tcpAddresses[context] });
    case 'inproc':
      throw new Error(`${context} is not hosted here and TRANSPORT=inproc cannot reach it`);
  }
}
