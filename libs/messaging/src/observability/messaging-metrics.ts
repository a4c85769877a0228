import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { timeout, TimeoutStrategy } from 'cockatiel';
import { Counter, Gauge } from 'prom-client';
import { isDatabaseUnavailable } from '../errors/database-unavailable';
import { RemoteError } from '../errors/remote.error';
import { ContextUnreachableError } from '../resilience/context-unreachable.error';
import { DurationHistogram } from './duration-histogram';

/** How a request or a handled message ended: answered, refused with a business error, unreachable, or failed unexpectedly. */
export type MessageOutcome = 'ok' | 'refused' | 'unavailable' | 'error';

/** How the delivery of an event to its consumer ended. */
export type EventOutcome = 'processed' | 'failed' | 'dead-lettered' | 'skipped-dead-letter' | 'rejected';

/** Client side: one observation per ContextClient request, retries included, whatever the transport. */
export const messagingRequestDuration = new DurationHistogram(
  'messaging_request_duration_seconds',
  'Requests to a context, from sending to the answer, by pattern, transport and outcome',
  ['pattern', 'transport', 'outcome'],
);

/** Server side: one observation per handled request or event. */
export const messagingHandlerDuration = new DurationHistogram(
  'messaging_handler_duration_seconds',
  'Messages handled by this process, by pattern, transport and outcome',
  ['pattern', 'transport', 'outcome'],
);

export const messagingEventsProcessed = new Counter({
  name: 'messaging_events_processed_total',
  help: 'Events delivered to a consumer of this process, by pattern, consumer and outcome',
  labelNames: ['pattern', 'consumer', 'outcome'] as const,
});

/** What a context's outbox and dead letters hold, read when Prometheus scrapes. */
export interface MessagingBacklogSource {
  outbox(): Promise<{ pending: number; oldestPendingAgeSeconds: number }>;
  deadLetters(): Promise<number>;
}

const backlogs = new Map<string, MessagingBacklogSource>();
const circuits = new Map<string, () => boolean>();
const replicaSets = new Map<string, () => ReplicaCounts>();

/** How many replicas of a context a client reaches over TCP, and how many of them take requests now. */
export interface ReplicaCounts {
  inRotation: number;
  total: number;
}

/** Has the gauges report `context`'s backlog from `source` until the returned function is called. */
export function reportBacklog(context: string, source: MessagingBacklogSource): () => void {
  backlogs.set(context, source);
  return () => {
    if (backlogs.get(context) === source) backlogs.delete(context);
  };
}

/** Has circuit_breaker_open report whether the circuit to `context` is open, until the returned function is called. */
export function reportCircuit(context: string, isOpen: () => boolean): () => void {
  circuits.set(context, isOpen);
  return () => {
    if (circuits.get(context) === isOpen) circuits.delete(context);
  };
}

/** Has tcp_replicas report the replicas of `context` as `read` counts them, until the returned function is called. */
export function reportReplicas(context: string, read: () => ReplicaCounts): () => void {
  replicaSets.set(context, read);
  return () => {
    if (replicaSets.get(context) === read) replicaSets.delete(context);
  };
}

/**
 * How long a scrape waits for a context's backlog. A database that hangs (a network partition: its queries neither
 * answered nor refused) must not hold the scrape past Prometheus's scrape timeout (10 s by default), or the process
 * reads as down and every other series of it is lost with the scrape.
 */
export const BACKLOG_READ_TIMEOUT_MS = 1000;
const withinBacklogReadTimeout = timeout(BACKLOG_READ_TIMEOUT_MS, TimeoutStrategy.Aggressive);

/**
 * A gauge of one figure per context, read from each context's backlog source
 * when Prometheus scrapes. A context whose database does not answer, or not
 * within BACKLOG_READ_TIMEOUT_MS, has no series in that scrape: the rest of
 * the process's metrics must still reach Prometheus, or a database outage
 * would read as the process being down, and hide every other series for as
 * long as it lasts.
 */
function backlogGauge(name: string, help: string, read: (source: MessagingBacklogSource) => Promise<number>): void {
  new Gauge({
    name,
    help,
    labelNames: ['context'] as const,
    async collect() {
      this.reset();
      const figures = await Promise.all(
        [...backlogs].map(([context, source]) =>
          withinBacklogReadTimeout
            .execute(() => read(source))
            .then(
              (figure) => ({ context, figure }),
              () => undefined,
            ),
        ),
      );
      for (const answered of figures) if (answered) this.set({ context: answered.context }, answered.figure);
    },
  });
}

/**
 * One read of a source at a time, shared by whoever asks while it is under way: the registry collects every gauge of
 * a scrape at once, so the two outbox gauges share one query of each outbox; and a read that hangs is waited for by
 * the scrapes after it rather than asked again, each time holding one more of the pool's connections.
 */
function readsSharedUntilSettled<T>(read: (source: MessagingBacklogSource) => Promise<T>): (source: MessagingBacklogSource) => Promise<T> {
  const underWay = new Map<MessagingBacklogSource, Promise<T>>();
  return (source) => {
    let reading = underWay.get(source);
    if (!reading) {
      reading = read(source).finally(() => underWay.delete(source));
      underWay.set(source, reading);
    }
    return reading;
  };
}

const outboxOf = readsSharedUntilSettled((source) => source.outbox());
const deadLettersOf = readsSharedUntilSettled((source) => source.deadLetters());

backlogGauge(
  'outbox_pending_events',
  'Events written to a context outbox that some subscriber has not taken yet',
  async (source) => (await outboxOf(source)).pending,
);
backlogGauge(
  'outbox_oldest_pending_age_seconds',
  'How long the oldest unpublished event of a context outbox has waited; 0 when none waits',
  async (source) => (await outboxOf(source)).oldestPendingAgeSeconds,
);
backlogGauge('dead_letters', 'Dead letters a context keeps, waiting for an operator to replay or discard them', deadLettersOf);

new Gauge({
  name: 'circuit_breaker_open',
  help: 'Whether the circuit breaker of the requests to a context is open (1) or closed (0)',
  labelNames: ['context'] as const,
  collect() {
    this.reset();
    for (const [context, isOpen] of circuits) this.set({ context }, isOpen() ? 1 : 0);
  },
});

new Gauge({
  name: 'tcp_replicas',
  help: 'Replicas of a context this process reaches over TCP: in rotation, or ejected after a failure until a probe finds them back',
  labelNames: ['context', 'state'] as const,
  collect() {
    this.reset();
    for (const [context, read] of replicaSets) {
      const { inRotation, total } = read();
      this.set({ context, state: 'in-rotation' }, inRotation);
      this.set({ context, state: 'ejected' }, total - inRotation);
    }
  },
});

/** The outcome a failure stands for: unreachable, a business refusal, or an unexpected failure. */
export function outcomeOf(error: unknown): Exclude<MessageOutcome, 'ok'> {
  if (error instanceof ContextUnreachableError || isDatabaseUnavailable(error)) return 'unavailable';
  if (error instanceof DomainError || error instanceof RemoteError) {
    if (error.code === ERROR_CODES.CONTEXT_UNAVAILABLE) return 'unavailable';
    return error.code === ERROR_CODES.INTERNAL ? 'error' : 'refused';
  }
  return 'error';
}
