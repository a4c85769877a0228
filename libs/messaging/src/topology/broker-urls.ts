import { ConfigurationError, withoutPassword } from '../startup/start-refusal';

/**
 * The broker a NATS_URL or RABBITMQ_URL names: one URL, or the nodes of one
 * cluster, separated by commas. A process connects to one of them, and when
 * that one goes, to another: RabbitMQ's client in turn along the list, NATS's
 * in random order, and then to the servers the cluster told it of. One
 * address is enough where a Service, DNS name or load balancer already leads
 * to a live node (ADR 0026); a list spares that. Each is checked here, so that
 * a start with a wrong one is refused naming it, its password left out.
 */
export function parseBrokerUrls(value: string | undefined, variable: string, schemes: readonly string[], fallback: string): string[] {
  const entries = brokerUrlsIn(value ?? '');
  if (entries.length === 0) return [fallback];
  for (const entry of entries) {
    if (!isUrlOf(entry, schemes)) {
      const form = schemes.map((scheme) => `${scheme}://`).join(' or ');
      throw new ConfigurationError(`${variable} must be a URL, or several separated by commas, each ${form}; got "${withoutPassword(entry)}"`);
    }
  }
  return [...new Set(entries)];
}

/** The URLs a broker variable's value lists, unchecked. */
export function brokerUrlsIn(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/**
 * The characters a URI may hold (RFC 3986), each `%` starting an escape. The URL parser takes more, escaping them
 * itself, so that `nats://user:<password>@host`, a placeholder left in a manifest, would pass for a password.
 */
const URI = /^([A-Za-z0-9\-._~:/?#[\]@!$&'()*+;=]|%[0-9A-Fa-f]{2})+$/;

function isUrlOf(entry: string, schemes: readonly string[]): boolean {
  if (!URI.test(entry)) return false;
  try {
    const url = new URL(entry);
    return schemes.includes(url.protocol.slice(0, -1)) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The broker's addresses as a log line may show them: without their passwords, comma-separated as they were set. */
export function shownBrokerUrls(urls: readonly string[]): string {
  return urls.map(withoutPassword).join(', ');
}
