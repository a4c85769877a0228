import { ClientProxy, ClientProxyFactory, CustomTransportStrategy, Transport } from '@nestjs/microservices';
import { GATEWAY, type ContextName, type EventConsumer } from '@tessera/contracts';
import type { ContextClient } from '../context-client';
import { NatsRequestJSONDeserializer } from '@nestjs/microservices/deserializers/nats-request-json.deserializer';
import { NatsRecordSerializer } from '@nestjs/microservices/serializers/nats-record.serializer';
import { CorrelatingDeserializer, CorrelatingSerializer } from '../correlation/correlating.serializer';
import { BrokerEventServer, DurableEventSource } from '../events/broker-event.server';
import { consumingContexts, patternsConsumedBy } from '../events/event-routes';
import { RemoteEventDelivery } from '../events/remote-event-delivery';
import { TcpEventDelivery } from '../events/tcp-event-delivery';
import { JetStreamEvents } from '../nats/jetstream-events';
import { NATS_CONNECTION_UPKEEP, natsConnectionOptions } from '../nats/nats-connection-options';
import { NatsRequestClient } from '../nats/nats-request.client';
import { NatsRequestServer } from '../nats/nats-request.server';
import { RabbitEvents } from '../rmq/rabbit-events';
import { REQUEST_QUEUE_OPTIONS, RequestExpiringSerializer } from '../rmq/request-queue-options';
import { RmqRequestServer } from '../rmq/rmq-request.server';
import type { RabbitRequestQueues } from '../rmq/request-queue-choice';
import { RenewingTcpClient } from '../tcp/renewing-tcp.client';
import { TcpContextServer } from '../tcp/tcp-context.server';
import { gatewayHearsRemoteEvents, TcpAddress, Topology } from '../topology/topology';
import { BrokerNames } from './broker-names';
import { DEFAULT_EJECTION_OPTIONS, ReplicaBalancedClient } from '../balancing/replica-balanced.client';
import { healthCheckPatternOf } from '../handling/health-check-pattern';

/** A broker's event queues: where events are delivered to and consumed from, and whether the broker is reachable. */
export type BrokerEvents = RemoteEventDelivery &
  DurableEventSource & {
    isConnected(): Promise<boolean>;
    /** The channels the broker closed a while ago and that have no new one yet, where a broker closes channels alone. */
    lostChannels?(): string[];
    close(): Promise<void>;
  };

/** Names this process on the broker, so its connections can be told apart in the broker's own tools. */
export function processNameOf(topology: Topology): string {
  return `tessera-${topology.hosted.length > 0 ? topology.hosted.join('+') : 'gateway'}`;
}

/**
 * Where this process's NATS replies come: under the name of what it serves, the gateway and the contexts it hosts, so
 * a monolith over NATS has a prefix of its own too (`gateway+users+catalog+ordering+payments`).
 */
export function natsInboxPrefixOf(topology: Topology): string {
  const served = [...(topology.hostsGateway ? [GATEWAY] : []), ...topology.hosted];
  return new BrokerNames(topology.namespace).natsInboxPrefix(served.join('+'));
}

/**
 * The client that reaches a context this process does not host, over the topology's network transport;
 * `requestTimeoutMs` is the callers' timeout of the moment: each request carries the deadline it makes (a context does
 * not run one that arrives long past it, see lateness.ts), and a RabbitMQ request carries it as its expiration too.
 */
export function createRemoteProxy(
  topology: Topology,
  context: ContextName,
  requestTimeoutMs: () => number = () => topology.requestTimeoutMs,
  requestQueues?: RabbitRequestQueues,
): ClientProxy {
  const name = processNameOf(topology);
  switch (topology.transport) {
    case 'tcp':
      return new ReplicaBalancedClient(
        context,
        topology.tcpAddresses[context].map((address) => ({ address: `${address.host}:${address.port}`, proxy: tcpProxy(address, requestTimeoutMs) })),
        topology.tcpBalancing,
        { ...DEFAULT_EJECTION_OPTIONS, probePattern: healthCheckPatternOf(context) },
      );
    case 'nats':
      // Nest types its clients' status streams by transport; ContextClient needs only what every ClientProxy has.
      return new NatsRequestClient(context, new BrokerNames(topology.namespace), {
        ...natsConnectionOptions(topology.natsUrls),
        inboxPrefix: natsInboxPrefixOf(topology),
        name: `${name}-to-${context}`,
        ...NATS_CONNECTION_UPKEEP,
        serializer: new CorrelatingSerializer(new NatsRecordSerializer(), requestTimeoutMs),
      }) as unknown as ClientProxy;
    case 'rmq':
      return ClientProxyFactory.create({
        transport: Transport.RMQ,
        options: {
          urls: [...topology.rabbitmqUrls],
          queue: requestQueues?.get(context)?.name ?? new BrokerNames(topology.namespace).rabbitRequestQueue(context),
          // The context declares its queue, and says so plainly when the broker refuses it (RmqRequestServer). A caller
          // that declared it too would be refused the same way, and Nest's client ends the process at that.
          noAssert: true,
          persistent: false,
          serializer: new CorrelatingSerializer(new RequestExpiringSerializer(requestTimeoutMs), requestTimeoutMs),
        },
      });
    case 'inproc':
      throw new Error(`${context} is not hosted here and TRANSPORT=inproc cannot reach it`);
  }
}

/** The broker's durable event queues for a broker transport; none for TCP and in process. */
export function createBrokerEvents(topology: Topology): BrokerEvents | undefined {
  switch (topology.transport) {
    case 'nats':
      return new JetStreamEvents(
        topology.natsUrls,
        new BrokerNames(topology.namespace),
        processNameOf(topology),
        natsInboxPrefixOf(topology),
        topology.natsStreamReplicas,
      );
    case 'rmq':
      return new RabbitEvents(topology.rabbitmqUrls, new BrokerNames(topology.namespace), processNameOf(topology), topology.rabbitmqEventQueueType);
    default:
      return undefined;
  }
}

/** How this process's events reach subscribing contexts elsewhere. */
export function createRemoteEventDelivery(
  topology: Topology,
  brokerEvents: BrokerEvents | undefined,
  clients: readonly ContextClient[],
): RemoteEventDelivery | undefined {
  if (brokerEvents) return brokerEvents;
  if (topology.transport === 'tcp')
    return new TcpEventDelivery(
      clients,
      topology.gatewayTcpAddresses.map((address) => tcpProxy(address)),
    );
  return undefined;
}

/** `requestTimeoutMs`, for a context's client: its requests carry their deadline. */
function tcpProxy(address: TcpAddress, requestTimeoutMs?: () => number): ClientProxy {
  return new RenewingTcpClient(`${address.host}:${address.port}`, () =>
    ClientProxyFactory.create({ transport: Transport.TCP, options: { ...address, serializer: new CorrelatingSerializer(undefined, requestTimeoutMs) } }),
  );
}

/**
 * The servers that make the hosted contexts reachable over the network
 * transport: their requests, and their events (for a broker, from their
 * durable queues); and, for a gateway that serves contexts running
 * elsewhere, the events the gateway consumes.
 */
export function createNetworkServers(
  topology: Topology,
  brokerEvents: BrokerEvents | undefined,
  requestQueues?: RabbitRequestQueues,
): CustomTransportStrategy[] {
  const hosted = topology.hosted;
  const consumers: EventConsumer[] = [
    ...hosted.filter((context) => consumingContexts().includes(context)),
    ...(gatewayHearsRemoteEvents(topology) && patternsConsumedBy(GATEWAY).length > 0 ? [GATEWAY] : []),
  ];
  switch (topology.transport) {
    case 'tcp':
      return [
        ...hosted.map((context) => new TcpContextServer({ ...topology.tcpListenAddresses[context]!, deserializer: new CorrelatingDeserializer() }, context)),
        ...(consumers.includes(GATEWAY) ? [new TcpContextServer({ ...topology.gatewayTcpAddress, deserializer: new CorrelatingDeserializer() }, GATEWAY)] : []),
      ];
    case 'nats': {
      const jetStreamEvents = brokerEventsOf(JetStreamEvents, brokerEvents);
      return [
        ...(hosted.length > 0
          ? [
              new NatsRequestServer(
                hosted,
                new BrokerNames(topology.namespace),
                {
                  ...natsConnectionOptions(topology.natsUrls),
                  inboxPrefix: natsInboxPrefixOf(topology),
                  name: processNameOf(topology),
                  ...NATS_CONNECTION_UPKEEP,
                  deserializer: new CorrelatingDeserializer(new NatsRequestJSONDeserializer()),
                },
                jetStreamEvents.refusedSubscriptions,
              ),
            ]
          : []),
        ...eventServers(jetStreamEvents, consumers),
      ];
    }
    case 'rmq': {
      const rabbitEvents = brokerEventsOf(RabbitEvents, brokerEvents);
      return [
        ...hosted.map(
          (context) =>
            new RmqRequestServer(
              {
                urls: [...topology.rabbitmqUrls],
                queue: requestQueues?.get(context)?.name ?? new BrokerNames(topology.namespace).rabbitRequestQueue(context),
                queueOptions: REQUEST_QUEUE_OPTIONS,
                // 0.1.0's queue is taken as 0.1.0 declared it (with its TTL): declared otherwise, the broker would refuse it.
                noAssert: requestQueues?.get(context)?.of0_1_0 ?? false,
                noAck: false,
                prefetchCount: 32,
                deserializer: new CorrelatingDeserializer(),
                // Names its connection in the broker's own tools, apart from the process's other connections.
                socketOptions: { connectionOptions: { clientProperties: { connection_name: `${processNameOf(topology)}-${context}-requests` } } },
              },
              rabbitEvents.channels,
            ),
        ),
        ...eventServers(rabbitEvents, consumers),
      ];
    }
    case 'inproc':
      return [];
  }
}

/**
 * The process's BrokerEvents as the class createBrokerEvents makes for its transport: readiness asks it, so the
 * request servers report to it what the broker closed or refused.
 */
function brokerEventsOf<T extends BrokerEvents>(kind: abstract new (...args: never[]) => T, brokerEvents: BrokerEvents | undefined): T {
  if (brokerEvents instanceof kind) return brokerEvents;
  throw new Error(`This transport needs createBrokerEvents' ${kind.name}, where readiness finds what its request servers lost`);
}

function eventServers(source: DurableEventSource, consumers: readonly EventConsumer[]): CustomTransportStrategy[] {
  return consumers.length > 0 ? [new BrokerEventServer(source, consumers)] : [];
}
