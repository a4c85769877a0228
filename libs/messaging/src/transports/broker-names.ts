import type { ContextName } from '@tessera/contracts';

/**
 * The pauses a failed event waits out on RabbitMQ, one retry queue of each per
 * consuming context. A queue expires messages only from its head, so a pause
 * of its own per message would wait behind a longer one ahead of it; a failure
 * waits in the shortest of these at least as long as the pause its subscriber
 * asked for, or in the longest.
 */
export const EVENT_RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 5000, 15_000, 30_000, 60_000];

/**
 * The names Tessera uses on a broker, all under one namespace
 * (MESSAGING_NAMESPACE, default `tessera`), so that several deployments, or
 * several test runs, can share a broker without meeting.
 */
export class BrokerNames {
  constructor(readonly namespace: string) {}

  /** NATS subject of a request: `<ns>.<pattern>`, the pattern being `<context>.<verb-noun>`. */
  requestSubject(pattern: string): string {
    return `${this.namespace}.${pattern}`;
  }

  /** The pattern a request subject carries. */
  patternOfRequestSubject(subject: string): string {
    return subject.slice(this.namespace.length + 1);
  }

  /** NATS subscription for every request of a context: one token after the context, so events never match. */
  requestWildcard(context: ContextName): string {
    return `${this.namespace}.${context}.*`;
  }

  /**
   * The prefix of one process's NATS reply inboxes, `_INBOX.<ns>-<process>`: its requests' replies, its JetStream API
   * answers and the events it pulls all come under it. `process` is `gateway` or the context the process hosts, as
   * its NATS user is named, or what a process that hosts several serves, joined by `+`. nats-server lets each user
   * subscribe under its own prefix alone, so a process cannot read another's replies.
   */
  natsInboxPrefix(process: string): string {
    return `_INBOX.${this.namespace}-${process}`;
  }

  /** NATS queue group that a context's replicas share for its requests. */
  requestQueue(context: ContextName): string {
    return `${this.namespace}.${context}.requests`;
  }

  /**
   * RabbitMQ queue that a context's replicas share for its requests. Not `.requests`: that queue was declared with
   * the callers' timeout as its message TTL, which RabbitMQ then holds every later declaration to, so a process
   * started with another REQUEST_TIMEOUT_MS could not declare it. This one has no TTL of its own (each request
   * carries its expiration), and is declared alike whatever the timeout.
   */
  rabbitRequestQueue(context: ContextName): string {
    return `${this.namespace}.${context}.request-queue`;
  }

  /** The RabbitMQ request queue of release 0.1.0, with the callers' timeout as its TTL (see rabbitRequestQueue). */
  rabbitRequestQueueOf0_1_0(context: ContextName): string {
    return `${this.namespace}.${context}.requests`;
  }

  /** JetStream stream holding every undelivered event (stream names allow no dots). */
  get eventsStream(): string {
    return `${this.namespace.toUpperCase().replace(/-/g, '_')}_EVENTS`;
  }

  /** Subjects of events on their way to a context: `<ns>.events.<context>.<pattern>`. */
  eventSubject(context: ContextName, pattern: string): string {
    return `${this.eventSubjectPrefix(context)}.${pattern}`;
  }

  eventSubjectPrefix(context: ContextName): string {
    return `${this.namespace}.events.${context}`;
  }

  /** RabbitMQ direct exchange that routes each event to its subscribers' queues. */
  get eventsExchange(): string {
    return `${this.namespace}.events`;
  }

  /** RabbitMQ durable queue of one context's events. */
  eventQueue(context: ContextName): string {
    return `${this.namespace}.${context}.events`;
  }

  /**
   * RabbitMQ durable queue where a context's failed events wait `delayMs` (the queue's message TTL), then go back
   * through the events exchange to the context's queue. Named by its delay: a queue's TTL cannot change once declared,
   * so another delay is another queue, never a refusal.
   */
  eventRetryQueue(context: ContextName, delayMs: number): string {
    return `${this.eventQueue(context)}.retry-${delayMs}ms`;
  }

  /**
   * RabbitMQ queue of the gateway's events for one gateway process, on one of its connections: `<ns>.gateway.events.<id>`,
   * `id` being that connection's alone. No event pattern is such a name, so the broadcast exchange can route a retry
   * back to this queue under its name.
   */
  gatewayEventQueue(id: string): string {
    return `${this.namespace}.gateway.events.${id}`;
  }

  /** RabbitMQ queue where a gateway process's failed events wait `delayMs`, then go back to its queue `queue`. */
  gatewayEventRetryQueue(queue: string, delayMs: number): string {
    return `${queue}.retry-${delayMs}ms`;
  }

  /** JetStream stream of the events every gateway process hears, kept a short while so a gateway that reconnects catches up. */
  get broadcastStream(): string {
    return `${this.namespace.toUpperCase().replace(/-/g, '_')}_BROADCAST`;
  }

  /** Subjects, and RabbitMQ routing keys, of events every gateway process hears: `<ns>.broadcast.<pattern>`. */
  broadcastSubject(pattern: string): string {
    return `${this.namespace}.broadcast.${pattern}`;
  }

  /** RabbitMQ exchange of the events every gateway process hears; each process binds a queue of its own. */
  get broadcastExchange(): string {
    return `${this.namespace}.broadcast`;
  }
}
