import { ConfigurationError } from '../startup/start-refusal';
import { brokerUrlsIn } from '../topology/broker-urls';

/** The part of nats.js's ConnectionOptions that NATS_URL decides. */
export interface NatsServerOptions {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * What nats.js needs to connect to the servers NATS_URL lists (one, or a
 * cluster's), given as the variable's value or as its URLs. nats.js 2.x
 * reads only the host and port of a server URL and drops its user, password
 * or token without a word, so a broker that requires them refuses every
 * connection; worse, a password that starts with digits is taken for the
 * port. The credentials are taken out of the URLs
 * here and handed over as options: `nats://<user>:<password>@host:port`, or
 * `nats://<token>@host:port` (a user without a password is a token, as the
 * NATS CLI and the other NATS clients read it, and so is a password without a
 * user). Percent-encoded characters are decoded, so a password may hold `@`,
 * `:` or `/` written as %40, %3A, %2F. nats.js logs in to every server with
 * the same credentials, so a list whose URLs do not all carry the same ones
 * is refused: each URL is then one a process can connect with alone, as
 * RabbitMQ's are.
 */
export function natsConnectionOptions(natsUrl: string | readonly string[]): NatsServerOptions {
  const servers = (typeof natsUrl === 'string' ? brokerUrlsIn(natsUrl) : natsUrl).map(natsServerOf);
  const [first, ...others] = servers;
  if (others.some((server) => !sameCredentials(first?.credentials, server.credentials))) {
    throw new ConfigurationError(
      'NATS_URL lists servers with different credentials, and a NATS client logs in to every server of its list with the same ones: write the same user and password, or token, in each URL',
    );
  }
  return { servers: servers.map((server) => server.servers), ...first?.credentials };
}

type NatsCredentials = Omit<NatsServerOptions, 'servers'>;

function natsServerOf(url: string): { servers: string; credentials?: NatsCredentials } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL to take apart (NATS_URL is validated at start): nats.js says what it makes of it.
    return { servers: url };
  }
  const servers = `${parsed.protocol}//${parsed.host}`;
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  if (user && pass) return { servers, credentials: { user, pass } };
  // A token alone, written where a user would be or, as some clients write it, where a password would.
  if (user || pass) return { servers, credentials: { token: user || pass } };
  return { servers };
}

function sameCredentials(one: NatsCredentials | undefined, other: NatsCredentials | undefined): boolean {
  return one?.user === other?.user && one?.pass === other?.pass && one?.token === other?.token;
}

/** Whether NATS_URL carries a user and password or a token. */
export function hasNatsCredentials(natsUrl: string | readonly string[]): boolean {
  const { user, token } = natsConnectionOptions(natsUrl);
  return user !== undefined || token !== undefined;
}

/**
 * How every long-lived NATS connection of a process keeps itself: it reconnects for as long as the process runs, and
 * pings the server every 5 s, giving the connection up (and reconnecting) once two pings go unanswered, as RabbitMQ's
 * connections beat every 5 s. With nats.js's two minutes between pings, a connection to a server whose host was gone
 * (nothing ever closes its socket) counted as up for four minutes and more after a new server answered at the same
 * address, and the process took nothing meanwhile.
 *
 * Its first connection follows the same rule (`waitOnFirstConnect`): otherwise nats.js drops for good every server of
 * NATS_URL that failed to answer the first connection, so a process started while one node of its list was down went
 * on with the others alone, and once the node it was connected to stopped it tried that node for ever while the one
 * that had come back went unused. The start asks every server first (assertBrokerReachable), so a start with none
 * there is refused, not kept waiting.
 */
export const NATS_CONNECTION_UPKEEP = {
  maxReconnectAttempts: -1,
  reconnectTimeWait: 500,
  pingInterval: 5000,
  maxPingOut: 2,
  waitOnFirstConnect: true,
} as const;
