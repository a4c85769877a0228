import { Logger } from '@nestjs/common';
import { CONTEXT_NAMES } from '@tessera/contracts';
import { BrokerNames, EVENT_RETRY_DELAYS_MS, natsConnectionOptions, type Topology, topologyFromEnv, withoutPassword } from '@tessera/messaging';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect as connectAmqp } from 'amqplib';
import { connect as connectNats } from 'nats';

/**
 * The brokers the suites also run on: with CI=true, or when NATS_URL or
 * RABBITMQ_URL is set. There a missing broker is a failure, not a skip.
 */
export const TEST_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const TEST_RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export function natsWanted(): boolean {
  return process.env.CI === 'true' || !!process.env.NATS_URL;
}

export function rabbitmqWanted(): boolean {
  return process.env.CI === 'true' || !!process.env.RABBITMQ_URL;
}

const execFileAsync = promisify(execFile);

/** The topology of a process that calls the contexts over the test's RabbitMQ, in `namespace`, hosting none. */
export function rabbitCaller(namespace: string, requestTimeoutMs: number): Topology {
  const env = { TRANSPORT: 'rmq', RABBITMQ_URL: TEST_RABBITMQ_URL, MESSAGING_NAMESPACE: namespace, REQUEST_TIMEOUT_MS: String(requestTimeoutMs) };
  return topologyFromEnv(env, { kind: 'gateway' }, []);
}

/** A namespace of its own for one test topology, so runs sharing a broker never meet. */
export function testNamespace(label: string): string {
  return `t-${label}-${randomBytes(4).toString('hex')}`;
}

/** Removes everything a namespace left on NATS: its JetStream streams (request subjects leave nothing behind). */
export async function removeNatsNamespace(namespace: string, url = TEST_NATS_URL): Promise<void> {
  const connection = await connectNats(natsConnectionOptions(url));
  try {
    const manager = await connection.jetstreamManager();
    const names = new BrokerNames(namespace);
    for (const stream of [names.eventsStream, names.broadcastStream]) await manager.streams.delete(stream).catch(() => undefined);
  } finally {
    await connection.close();
  }
}

/** Removes everything a namespace left on RabbitMQ: its request, event and retry queues and its exchanges. */
export async function removeRabbitNamespace(namespace: string, url = TEST_RABBITMQ_URL): Promise<void> {
  const connection = await connectAmqp(url);
  try {
    const channel = await connection.createChannel();
    const names = new BrokerNames(namespace);
    for (const context of CONTEXT_NAMES) {
      await channel.deleteQueue(names.rabbitRequestQueue(context));
      await channel.deleteQueue(names.rabbitRequestQueueOf0_1_0(context));
      await channel.deleteQueue(names.eventQueue(context));
      for (const delayMs of EVENT_RETRY_DELAYS_MS) await channel.deleteQueue(names.eventRetryQueue(context, delayMs));
    }
    await channel.deleteExchange(names.eventsExchange);
    await channel.deleteExchange(names.broadcastExchange);
  } finally {
    await connection.close();
  }
}

/** Fails with a clear message when a wanted broker does not answer. */
export async function assertBrokerReachable(kind: 'nats' | 'rmq'): Promise<void> {
  try {
    if (kind === 'nats') await (await connectNats({ ...natsConnectionOptions(TEST_NATS_URL), timeout: 2000 })).close();
    else await (await connectAmqp(TEST_RABBITMQ_URL)).close();
  } catch (error) {
    const url = kind === 'nats' ? TEST_NATS_URL : TEST_RABBITMQ_URL;
    throw new Error(
      `${kind === 'nats' ? 'NATS' : 'RabbitMQ'} is required for this run (CI=true, NATS_URL or RABBITMQ_URL) but ${withoutPassword(url)} refused: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * A RabbitMQ user allowed only `namespace`'s exchanges and queues, as an operator scopes a deployment's user: no
 * default exchange, no queue the broker names. Made with rabbitmqctl, so on the broker's own host. `read: false`
 * leaves out the read permission, as an operator who forgot it would: the user declares and publishes, and may not consume.
 */
export async function rabbitUserScopedTo(
  namespace: string,
  { url = TEST_RABBITMQ_URL, read = true }: { url?: string; read?: boolean } = {},
): Promise<{ url: string; remove(): Promise<void> }> {
  const user = `${namespace}-user`;
  const password = randomBytes(8).toString('hex');
  const names = `^${namespace.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}\\.`;
  const vhost = decodeURIComponent(new URL(url).pathname.slice(1)) || '/';
  await execFileAsync('rabbitmqctl', ['add_user', user, password]);
  await execFileAsync('rabbitmqctl', ['set_permissions', '-p', vhost, user, names, names, read ? names : '^$']);
  const scoped = new URL(url);
  scoped.username = user;
  scoped.password = password;
  return { url: scoped.toString(), remove: async () => void (await execFileAsync('rabbitmqctl', ['delete_user', user])) };
}

/** A connection to RabbitMQ as the broker has it: the Erlang process that serves it, as its tools name it. */
export interface RabbitConnection {
  pid: string;
}

/** Rows of a rabbitmqctl listing, tab-separated: pids come out as close_connection takes them (the JSON formatter's do not). */
async function rabbitmqctlRows(command: string, columns: string[]): Promise<string[][]> {
  const { stdout } = await execFileAsync('rabbitmqctl', [command, ...columns, '--quiet', '--no-table-headers']);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'));
}

/** The connections a client named `connectionName` (its `connection_name` property). Read with rabbitmqctl, on the broker's own host. */
export async function rabbitConnectionsNamed(connectionName: string): Promise<RabbitConnection[]> {
  const rows = await rabbitmqctlRows('list_connections', ['pid', 'client_properties']);
  return rows.filter(([, properties]) => properties.includes(`{"connection_name","${connectionName}"}`)).map(([pid]) => ({ pid }));
}

/** The queues exclusive to a connection, each with the messages it holds ready for a consumer. */
export async function rabbitQueuesOwnedBy(connection: RabbitConnection): Promise<{ name: string; ready: number }[]> {
  const rows = await rabbitmqctlRows('list_queues', ['name', 'owner_pid', 'messages_ready']);
  return rows.filter(([, owner]) => owner === connection.pid).map(([name, , ready]) => ({ name, ready: Number(ready) }));
}

/** The queues whose names start with `prefix`, each with its type and its arguments as rabbitmqctl prints them. */
export async function rabbitQueuesNamed(prefix: string): Promise<{ name: string; type: string; arguments: string }[]> {
  const rows = await rabbitmqctlRows('list_queues', ['name', 'type', 'arguments']);
  return rows.filter(([name]) => name.startsWith(prefix)).map(([name, type, args]) => ({ name, type, arguments: args }));
}

/** Closes a connection from the broker's side, as an operator or a broker's restart would. */
export async function closeRabbitConnection(connection: RabbitConnection, reason: string): Promise<void> {
  await execFileAsync('rabbitmqctl', ['close_connection', connection.pid, reason]);
}

/**
 * The frame of a spec on a real RabbitMQ in `namespace`: Nest's logger silenced, what each test opened closed after it,
 * and the namespace removed after them all. Call it in the describe; hand what a test opens to the function it returns.
 */
export function onRealRabbitMq(namespace: string): (close: () => Promise<unknown>) => void {
  const closing: (() => Promise<unknown>)[] = [];
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((close) => close().catch(() => undefined)));
  });
  afterAll(async () => {
    await removeRabbitNamespace(namespace);
    Logger.overrideLogger(true);
  });
  return (close) => void closing.push(close);
}
