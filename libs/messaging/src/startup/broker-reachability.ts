import { connect as connectRabbitMq } from 'amqplib';
import { connect as connectNats, NatsError } from 'nats';
import { hasNatsCredentials, natsConnectionOptions } from '../nats/nats-connection-options';
import { shownBrokerUrls } from '../topology/broker-urls';
import type { Topology } from '../topology/topology';
import { untrustedCertificateRefusal } from './certificate-refusal';
import { DependencyUnavailableError, withoutPassword } from './start-refusal';

/**
 * How long a process waits for its broker at start before it gives up: long
 * enough to outlast a broker restarting alongside it, short enough that a
 * wrong URL ends the start within 10 s, loading the code and opening an
 * embedded database (3-5 s on a busy machine) included, rather than leaving a
 * process without a port. It runs while the databases open. A refused
 * connection is tried again every BROKER_RETRY_PAUSE_MS while the budget
 * lasts; one try never outlasts it.
 */
export const BROKER_START_BUDGET_MS = 4000;
export const BROKER_RETRY_PAUSE_MS = 500;

/** Opens one connection to a broker and closes it again; rejects when the broker does not answer within `timeoutMs`. */
export type BrokerConnectionTry = (url: string, timeoutMs: number) => Promise<void>;

interface Broker {
  label: string;
  variable: string;
  urlsOf(topology: Topology): readonly string[];
  tryConnection: BrokerConnectionTry;
  /**
   * The refusal to start at once with, when `error` will not go away by waiting (credentials the broker refuses);
   * a certificate this process does not take is one for every broker.
   */
  lastingRefusal?(error: unknown, url: string): DependencyUnavailableError | undefined;
  /** What the broker's last answer says, when it says more than that it was not reached, once the budget is spent. */
  refusalAtTheEnd?(error: unknown, url: string, budgetMs: number): DependencyUnavailableError | undefined;
}

const BROKERS: Record<'nats' | 'rmq', Broker> = {
  nats: {
    label: 'NATS',
    variable: 'NATS_URL',
    urlsOf: (topology) => topology.natsUrls,
    tryConnection: tryNats,
    lastingRefusal: natsCredentialsRefusal,
  },
  rmq: {
    label: 'RabbitMQ',
    variable: 'RABBITMQ_URL',
    urlsOf: (topology) => topology.rabbitmqUrls,
    tryConnection: tryRabbitMq,
    lastingRefusal: rabbitMqLoginRefusal,
    refusalAtTheEnd: rabbitMqOpenRefusal,
  },
};

/**
 * Resolves once this process's broker accepts a connection, at any of the
 * addresses its variable lists; a process on TCP or in process has none and
 * resolves at once. Rejects with a DependencyUnavailableError naming the
 * broker, its URLs and the variable to set: at once when the broker refuses
 * the credentials (or their absence), or answers TLS with a certificate this
 * process does not take, which no retry mends; otherwise once the budget is
 * spent. Each round tries every address in turn, sharing what is left of the
 * budget among those still to try, so that one that never answers cannot
 * take the time of the others.
 */
export async function assertBrokerReachable(
  topology: Topology,
  options: { budgetMs?: number; pauseMs?: number; tryConnection?: BrokerConnectionTry } = {},
): Promise<void> {
  if (topology.transport !== 'nats' && topology.transport !== 'rmq') return;
  const broker = BROKERS[topology.transport];
  const { budgetMs = BROKER_START_BUDGET_MS, pauseMs = BROKER_RETRY_PAUSE_MS, tryConnection = broker.tryConnection } = options;
  const urls = broker.urlsOf(topology);
  const deadline = Date.now() + budgetMs;
  const lastErrors = new Map<string, unknown>();
  for (let remaining = budgetMs; remaining > 0; remaining = deadline - Date.now()) {
    for (const [index, url] of urls.entries()) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        return await tryConnection(url, Math.ceil(left / (urls.length - index)));
      } catch (error) {
        lastErrors.set(url, error);
        const refusal =
          broker.lastingRefusal?.(error, url) ?? untrustedCertificateRefusal(error, `${broker.label} at ${withoutPassword(url)}`, broker.variable);
        if (refusal) throw refusal;
      }
    }
    if (deadline - Date.now() <= pauseMs) break;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  for (const [url, error] of lastErrors) {
    const refusal = broker.refusalAtTheEnd?.(error, url, budgetMs);
    if (refusal) throw refusal;
  }
  const causeAt = (url: string) => (lastErrors.has(url) ? causeOf(lastErrors.get(url)) : 'not tried within the budget');
  const causes = urls.length === 1 ? causeAt(urls[0]) : urls.map((url) => `${withoutPassword(url)}: ${causeAt(url)}`).join('; ');
  throw new DependencyUnavailableError(
    `${broker.label} at ${shownBrokerUrls(urls)} did not accept a connection within ${budgetMs / 1000} s (${causes}): start it, or set ${broker.variable} to where it runs`,
  );
}

async function tryNats(url: string, timeoutMs: number): Promise<void> {
  const connection = await connectNats({ ...natsConnectionOptions(url), timeout: timeoutMs, reconnect: false, name: 'tessera-start-check' });
  await connection.close();
}

function natsCredentialsRefusal(error: unknown, url: string): DependencyUnavailableError | undefined {
  if (!(error instanceof NatsError) || !error.isAuthError()) return undefined;
  const shown = withoutPassword(url);
  if (!hasNatsCredentials(url)) {
    return new DependencyUnavailableError(
      `NATS at ${shown} requires credentials and NATS_URL has none: put the user and password (nats://<user>:<password>@<host>:<port>) or the token (nats://<token>@<host>:<port>) the server expects in NATS_URL`,
    );
  }
  return new DependencyUnavailableError(
    `NATS at ${shown} refused the credentials in NATS_URL (${error.code}): set NATS_URL's user and password, or its token, to ones the server accepts`,
  );
}

async function tryRabbitMq(url: string, timeoutMs: number): Promise<void> {
  const connection = await connectRabbitMq(url, { timeout: timeoutMs });
  await connection.close();
}

// amqplib gives no code for either, only the broker's words. A refused login (bad credentials, or guest from another
// host) lasts. A connection closed on opening the virtual host, which amqplib prints without the broker's reason, may
// not: a virtual host that does not exist or the user may not use, but also a connection limit reached while old
// processes still hold theirs, or a virtual host restarting.
const RABBITMQ_LOGIN_REFUSED = /\(ACCESS-REFUSED\)/;
const RABBITMQ_OPEN_REFUSED = /^Expected ConnectionOpenOk; got <ConnectionClose/;

function rabbitMqLoginRefusal(error: unknown, url: string): DependencyUnavailableError | undefined {
  if (!RABBITMQ_LOGIN_REFUSED.test((error as Error | undefined)?.message ?? '')) return undefined;
  return new DependencyUnavailableError(
    `RabbitMQ at ${withoutPassword(url)} refused the login in RABBITMQ_URL (ACCESS_REFUSED): set RABBITMQ_URL's user and password to ones the broker accepts (its guest user logs in from the broker's own host only)`,
  );
}

function rabbitMqOpenRefusal(error: unknown, url: string, budgetMs: number): DependencyUnavailableError | undefined {
  if (!RABBITMQ_OPEN_REFUSED.test((error as Error | undefined)?.message ?? '')) return undefined;
  return new DependencyUnavailableError(
    `RabbitMQ at ${withoutPassword(url)} took the login but closed every connection on opening the virtual host in RABBITMQ_URL for ${budgetMs / 1000} s: the virtual host does not exist, the user may not use it (rabbitmqctl set_permissions), or a connection limit is reached`,
  );
}

function causeOf(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.length > 0 ? code : String(message ?? error);
}
