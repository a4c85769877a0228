import { CONTEXT_NAMES, ContextName, EventConsumer, GATEWAY } from '@tessera/contracts';
import { natsConnectionOptions } from '../nats/nats-connection-options';
import { MAX_STREAM_REPLICAS } from '../nats/stream-replicas';
import { RABBIT_EVENT_QUEUE_TYPES, type RabbitEventQueueType } from '../rmq/event-queue-type';
import { ConfigurationError } from '../startup/start-refusal';
import { parseBrokerUrls } from './broker-urls';

export const TRANSPORT_NAMES = ['inproc', 'tcp', 'nats', 'rmq'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

export interface TcpAddress {
  host: string;
  port: number;
}

export const TCP_BALANCING_STRATEGIES = ['round-robin', 'random', 'least-pending'] as const;
/** How a client spreads its requests over the replicas of a context reached over TCP. */
export type TcpBalancing = (typeof TCP_BALANCING_STRATEGIES)[number];

/** What kind of process this is decides its defaults: which contexts it hosts and how it listens. */
export type ProcessRole = { kind: 'monolith' } | { kind: 'gateway' } | { kind: 'context'; context: ContextName };

/** Which contexts this process hosts, and how it reaches the others. */
export interface Topology {
  transport: TransportName;
  hosted: readonly ContextName[];
  /** Whether this process serves the HTTP API, and so keeps the gateway's caches that events correct. */
  hostsGateway: boolean;
  /** Over TCP, where each context is reached: one address per replica (<CONTEXT>_TCP_ADDRESS). */
  tcpAddresses: Readonly<Record<ContextName, readonly TcpAddress[]>>;
  /** Over TCP, where each context hosted here listens (<CONTEXT>_TCP_LISTEN_ADDRESS, or its only <CONTEXT>_TCP_ADDRESS). */
  tcpListenAddresses: Readonly<Partial<Record<ContextName, TcpAddress>>>;
  tcpBalancing: TcpBalancing;
  /** Over TCP, where this process's gateway listens for events (GATEWAY_TCP_ADDRESS). */
  gatewayTcpAddress: TcpAddress;
  /** Over TCP, every gateway process a publisher sends the gateway's events to (GATEWAY_TCP_ADDRESSES). */
  gatewayTcpAddresses: readonly TcpAddress[];
  /** The NATS servers to connect to (NATS_URL: one, or a cluster's, comma-separated). */
  natsUrls: readonly string[];
  /** On NATS, on how many servers of a JetStream cluster each event stream is kept (NATS_STREAM_REPLICAS). */
  natsStreamReplicas: number;
  /** The RabbitMQ nodes to connect to, in turn (RABBITMQ_URL: one, or a cluster's, comma-separated). */
  rabbitmqUrls: readonly string[];
  /** On RabbitMQ, the type of the durable queues that keep events (RABBITMQ_EVENT_QUEUE_TYPE): quorum on a cluster. */
  rabbitmqEventQueueType: RabbitEventQueueType;
  /** Prefixes every subject, queue, exchange and stream on a broker, so deployments sharing one keep apart. */
  namespace: string;
  requestTimeoutMs: number;
}

/** What a broker accepts in every kind of name it has: subjects, queues, exchanges and, upper-cased, streams. */
export const NAMESPACE_RULE = /^[a-z][a-z0-9-]{0,39}$/;

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_SCHEMES = ['nats', 'tls'];
export const RABBITMQ_SCHEMES = ['amqp', 'amqps'];

/** Each context's own port, in the order of CONTEXT_NAMES: users 4001, catalog 4002, ordering 4003, payments 4004, a new context the next. */
export const DEFAULT_TCP_PORTS: Readonly<Record<ContextName, number>> = Object.fromEntries(
  CONTEXT_NAMES.map((context, index) => [context, 4001 + index]),
) as Record<ContextName, number>;
export const DEFAULT_GATEWAY_TCP_PORT = 4000;

export function isHosted(topology: Topology, context: ContextName): boolean {
  return topology.hosted.includes(context);
}

/** The event consumers whose handlers run in this process. */
export function localEventConsumers(topology: Topology): EventConsumer[] {
  return topology.hostsGateway ? [...topology.hosted, GATEWAY] : [...topology.hosted];
}

/**
 * Whether this process's gateway must hear events over the network: it serves
 * the API while some context, whose events it consumes, runs elsewhere.
 */
export function gatewayHearsRemoteEvents(topology: Topology): boolean {
  return topology.hostsGateway && topology.transport !== 'inproc' && CONTEXT_NAMES.some((context) => !isHosted(topology, context));
}

/**
 * Reads the topology from the environment names of ARCHITECTURE.md:
 * TRANSPORT, CONTEXTS, <CONTEXT>_TCP_ADDRESS, <CONTEXT>_TCP_LISTEN_ADDRESS,
 * TCP_BALANCING, GATEWAY_TCP_ADDRESS and GATEWAY_TCP_ADDRESSES, and the
 * brokers' (NATS_URL, NATS_STREAM_REPLICAS, RABBITMQ_URL,
 * RABBITMQ_EVENT_QUEUE_TYPE, MESSAGING_NAMESPACE). `available`
 * lists the contexts this build can host, the default for CONTEXTS.
 */
export function topologyFromEnv(env: NodeJS.ProcessEnv, role: ProcessRole, available: readonly ContextName[]): Topology {
  const transport = parseTransport(env.TRANSPORT, role);
  const hosted = role.kind === 'gateway' ? [] : role.kind === 'context' ? [role.context] : parseContexts(env.CONTEXTS, available);
  const tcpAddresses = Object.fromEntries(
    CONTEXT_NAMES.map((context) => [context, parseTcpAddresses(env, `${context.toUpperCase()}_TCP_ADDRESS`, DEFAULT_TCP_PORTS[context])]),
  ) as Record<ContextName, TcpAddress[]>;
  const tcpListenAddresses = Object.fromEntries(hosted.map((context) => [context, listenAddressOf(env, context, tcpAddresses[context])]));
  const gatewayTcpAddress = parseTcpAddress(env, 'GATEWAY_TCP_ADDRESS', DEFAULT_GATEWAY_TCP_PORT);
  const gatewayTcpAddresses = env.GATEWAY_TCP_ADDRESSES?.trim()
    ? env.GATEWAY_TCP_ADDRESSES.split(',').map((value) => parseAddress(value, 'GATEWAY_TCP_ADDRESSES'))
    : [gatewayTcpAddress];
  const remote = available.filter((context) => !hosted.includes(context));
  if (transport === 'inproc' && remote.length > 0) {
    throw new ConfigurationError(`TRANSPORT=inproc cannot reach ${remote.join(', ')}: host them (CONTEXTS) or choose a network TRANSPORT such as tcp`);
  }
  return {
    transport,
    hosted,
    hostsGateway: role.kind !== 'context',
    tcpAddresses,
    tcpListenAddresses,
    tcpBalancing: parseTcpBalancing(env.TCP_BALANCING),
    gatewayTcpAddress,
    gatewayTcpAddresses,
    natsUrls: parseNatsUrls(env.NATS_URL),
    natsStreamReplicas: parseStreamReplicas(env.NATS_STREAM_REPLICAS),
    rabbitmqUrls: parseBrokerUrls(env.RABBITMQ_URL, 'RABBITMQ_URL', RABBITMQ_SCHEMES, DEFAULT_RABBITMQ_URL),
    rabbitmqEventQueueType: parseRabbitEventQueueType(env.RABBITMQ_EVENT_QUEUE_TYPE),
    namespace: parseNamespace(env.MESSAGING_NAMESPACE),
    requestTimeoutMs: parsePositiveInt(env.REQUEST_TIMEOUT_MS, 'REQUEST_TIMEOUT_MS', 5000),
  };
}

function parseTransport(value: string | undefined, role: ProcessRole): TransportName {
  if (!value) return role.kind === 'monolith' ? 'inproc' : 'tcp';
  if (!(TRANSPORT_NAMES as readonly string[]).includes(value)) {
    throw new ConfigurationError(`TRANSPORT must be one of ${TRANSPORT_NAMES.join(', ')}; got "${value}"`);
  }
  if (value === 'inproc' && role.kind !== 'monolith') {
    throw new ConfigurationError(`TRANSPORT=inproc only fits the monolith: a ${role.kind} process must reach the others over a network transport`);
  }
  return value as TransportName;
}

function parseContexts(value: string | undefined, available: readonly ContextName[]): ContextName[] {
  if (!value || !value.trim()) return [...available];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(available as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ConfigurationError(`CONTEXTS names ${unknown.join(', ')}, which this build cannot host; choose from ${available.join(', ')}`);
  }
  return [...new Set(names)] as ContextName[];
}

function parseTcpAddress(env: NodeJS.ProcessEnv, name: string, defaultPort: number): TcpAddress {
  const value = env[name];
  if (!value) return { host: '127.0.0.1', port: defaultPort };
  return parseAddress(value, name);
}

function parseTcpAddresses(env: NodeJS.ProcessEnv, name: string, defaultPort: number): TcpAddress[] {
  const value = env[name];
  if (!value?.trim()) return [{ host: '127.0.0.1', port: defaultPort }];
  return value.split(',').map((address) => parseAddress(address, name));
}

/**
 * Where a hosted context listens: its own <CONTEXT>_TCP_LISTEN_ADDRESS, else
 * the one address it is reached at. With several replicas listed, nothing
 * tells which of them this process is, so the start is refused rather than guessed.
 */
function listenAddressOf(env: NodeJS.ProcessEnv, context: ContextName, reachedAt: readonly TcpAddress[]): TcpAddress {
  const name = `${context.toUpperCase()}_TCP_LISTEN_ADDRESS`;
  if (env[name]?.trim()) return parseAddress(env[name], name);
  if (reachedAt.length > 1) {
    throw new ConfigurationError(`${context.toUpperCase()}_TCP_ADDRESS lists ${reachedAt.length} replicas: set ${name} to the address this process listens on`);
  }
  return reachedAt[0];
}

function parseTcpBalancing(value: string | undefined): TcpBalancing {
  if (!value) return 'least-pending';
  if (!(TCP_BALANCING_STRATEGIES as readonly string[]).includes(value)) {
    throw new ConfigurationError(`TCP_BALANCING must be one of ${TCP_BALANCING_STRATEGIES.join(', ')}; got "${value}"`);
  }
  return value as TcpBalancing;
}

function parseAddress(value: string, name: string): TcpAddress {
  const match = /^([^,]+):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) throw new ConfigurationError(`${name} must be host:port; got "${value}"`);
  return { host: match[1], port };
}

/** NATS_URL's servers, which must not disagree on the credentials: nats.js logs in to every server with the same ones. */
function parseNatsUrls(value: string | undefined): string[] {
  const urls = parseBrokerUrls(value, 'NATS_URL', NATS_SCHEMES, DEFAULT_NATS_URL);
  natsConnectionOptions(urls);
  return urls;
}

function parseStreamReplicas(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const replicas = Number(value);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_STREAM_REPLICAS) {
    throw new ConfigurationError(`NATS_STREAM_REPLICAS must be a whole number from 1 to ${MAX_STREAM_REPLICAS}; got "${value}"`);
  }
  return replicas;
}

function parseRabbitEventQueueType(value: string | undefined): RabbitEventQueueType {
  if (!value) return 'classic';
  if (!(RABBIT_EVENT_QUEUE_TYPES as readonly string[]).includes(value)) {
    throw new ConfigurationError(`RABBITMQ_EVENT_QUEUE_TYPE must be one of ${RABBIT_EVENT_QUEUE_TYPES.join(', ')}; got "${value}"`);
  }
  return value as RabbitEventQueueType;
}

function parseNamespace(value: string | undefined): string {
  if (!value) return 'tessera';
  if (!NAMESPACE_RULE.test(value))
    throw new ConfigurationError(`MESSAGING_NAMESPACE must be lowercase letters, digits and dashes, starting with a letter; got "${value}"`);
  return value;
}

function parsePositiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new ConfigurationError(`${name} must be a positive integer; got "${value}"`);
  return parsed;
}
