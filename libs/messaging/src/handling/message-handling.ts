import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RpcException } from '@nestjs/microservices';
import type { ContextName } from '@tessera/contracts';
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { correlationIdOf, traceCarrierOf } from '../correlation/correlation.envelope';
import { currentCorrelationId, runWithCorrelation } from '../correlation/correlation.store';
import { isDatabaseUnavailable } from '../errors/database-unavailable';
import { errorPayloadOf, isUnexpectedFailure } from '../errors/error-payload';
import { DEFAULT_EVENT_MAX_ATTEMPTS, EventDeliveryRule, EventNotProcessedError } from '../events/event-delivery.rule';
import { DeadLetters } from '../persistence/dead-letters';
import { MESSAGING_CONTEXT } from '../persistence/messaging-context';
import { EventOutcome, MessageOutcome, messagingEventsProcessed, messagingHandlerDuration, outcomeOf } from '../observability/messaging-metrics';
import { inMessagingSpan, markFailed } from '../observability/messaging-tracing';
import { TOPOLOGY } from '../messaging.tokens';
import { RepeatedFailureLog } from '../scheduling/repeated-failure-log';
import { isHealthCheckPattern } from './health-check-pattern';
import { LateRequestError, lateness } from './lateness';
import type { Topology, TransportName } from '../topology/topology';

/** Whether a handler answers a request or consumes an event. */
export type HandlerKind = 'message' | 'event';

/**
 * What runs around every handler of a @MessagesController(), on every
 * transport: the handler runs on behalf of the request its payload came with
 * (fromWire), so whatever it logs, sends and publishes carries the same
 * correlation id; a request that arrives long past its sender's deadline is
 * not run (lateness.ts, ADR 0022); an event follows its context's delivery rule
 * (EventDeliveryRule); whatever it throws leaves as the wire's error shape
 * (errorPayloadOf), an unexpected failure logged here; and one line per
 * handled message says its pattern, transport, how long it took and how it
 * ended, with the same in the metrics (messaging-metrics.ts).
 * Handlers of processes without persistence (the gateway) run without the
 * delivery rule.
 */
@Injectable()
export class MessageHandling {
  private readonly logger = new Logger('Messages');
  // Not an unexpected failure with a stack: while its database cannot serve (down, out of disk), every message fails so.
  private readonly databaseUnavailable = new RepeatedFailureLog(this.logger, 'The database unavailable: handling a message');
  private readonly delivery?: EventDeliveryRule;
  private readonly consumer?: ContextName;
  /** How this process's messages arrive, for the metrics: what TRANSPORT says, in process in the monolith. */
  private readonly transport: TransportName;

  constructor(
    @Optional() deadLetters?: DeadLetters,
    @Optional() @Inject(MESSAGING_CONTEXT) consumer?: ContextName,
    @Optional() config?: ConfigService,
    @Optional() @Inject(TOPOLOGY) topology?: Topology,
  ) {
    this.consumer = consumer;
    this.transport = topology?.transport ?? 'inproc';
    if (deadLetters && consumer)
      this.delivery = new EventDeliveryRule(deadLetters, consumer, Number(config?.get('EVENT_MAX_ATTEMPTS') ?? DEFAULT_EVENT_MAX_ATTEMPTS));
  }

  handle(pattern: string, kind: HandlerKind, payload: unknown, handler: () => unknown): Promise<unknown> {
    const correlationId = correlationIdOf(payload) ?? currentCorrelationId();
    // Under the span that sent the message, whichever process and however long ago (an event relayed by the outbox).
    const span = {
      transport: this.transport,
      kind: kind === 'event' ? SpanKind.CONSUMER : SpanKind.SERVER,
      sentWith: traceCarrierOf(payload),
      attributes: spanAttributesOf(payload),
    };
    return runWithCorrelation(correlationId, () =>
      inMessagingSpan('process', pattern, span, (traced) =>
        kind === 'message' ? this.answer(pattern, payload, handler, traced) : this.process(pattern, payload, handler, traced),
      ),
    );
  }

  /**
   * A request, answered by its handler unless it arrived too late to be worth running. Chained rather than awaited, as
   * the layers that send it are (ContextClient): an await costs a promise of its own on every request.
   */
  private answer(pattern: string, payload: unknown, handler: () => unknown, span: Span): Promise<unknown> {
    const started = performance.now();
    const late = lateness(payload);
    if (late !== undefined) {
      const refusal = new LateRequestError(pattern, late);
      this.logger.warn(refusal.message);
      return Promise.reject(this.failed(pattern, 'message', refusal, started, span));
    }
    let answered: unknown;
    try {
      answered = handler();
    } catch (error) {
      return Promise.reject(this.failed(pattern, 'message', error, started, span));
    }
    return Promise.resolve(answered).then(
      (result) => {
        this.succeeded(pattern, 'message', 'processed', started);
        return result;
      },
      (error: unknown) => {
        throw this.failed(pattern, 'message', error, started, span);
      },
    );
  }

  /** An event: it has no caller waiting, so it is delivered until processed however late, by its context's delivery rule. */
  private async process(pattern: string, payload: unknown, handler: () => unknown, span: Span): Promise<unknown> {
    const started = performance.now();
    try {
      let result: unknown;
      let delivered: EventOutcome = 'processed';
      if (this.delivery?.appliesTo(payload)) {
        const delivery = await this.delivery.deliver(payload, pattern, async () => handler());
        if (delivery.outcome === 'dead-lettered' || delivery.outcome === 'rejected') {
          // Acknowledged, so that the events behind it flow; but it failed, and is measured and traced so.
          this.reportFailure(pattern, 'event', delivery.failure, delivery.outcome, started, span);
          return undefined;
        }
        delivered = delivery.outcome;
      } else result = await handler();
      this.succeeded(pattern, 'event', delivered, started);
      return result;
    } catch (error) {
      throw this.failed(pattern, 'event', error, started, span);
    }
  }

  /** A handled message in the log line and the metrics. */
  private succeeded(pattern: string, kind: HandlerKind, delivered: EventOutcome, started: number): void {
    const elapsedMs = performance.now() - started;
    this.logHandled(pattern, kind, 'handled', elapsedMs);
    this.measure(pattern, kind, 'ok', delivered, elapsedMs);
  }

  /** A handler's failure as every transport carries it back, once it is reported and logged. */
  private failed(pattern: string, kind: HandlerKind, error: unknown, started: number, span: Span): RpcException {
    const answer = errorPayloadOf(error);
    // An event to deliver again later is measured by why its handler failed, not by the answer that brings it back.
    const failure = error instanceof EventNotProcessedError ? error.failure : error;
    this.reportFailure(pattern, kind, failure, 'failed', started, span);
    if (isDatabaseUnavailable(failure)) this.databaseUnavailable.failed(failure, pattern);
    else if (isUnexpectedFailure(error)) this.logger.error(`Unexpected failure handling ${pattern}`, (error as Error)?.stack ?? String(error));
    // Nest's own filter sends an RpcException's object as it is: the error every transport carries back.
    return new RpcException(answer);
  }

  /** A handler's failure in the log line, the metrics and the span, by what the handler itself threw. */
  private reportFailure(
    pattern: string,
    kind: HandlerKind,
    failure: unknown,
    delivered: 'failed' | 'dead-lettered' | 'rejected',
    started: number,
    span: Span,
  ): void {
    const outcome = outcomeOf(failure);
    const elapsedMs = performance.now() - started;
    this.logHandled(pattern, kind, `${delivered}: ${errorPayloadOf(failure).code}`, elapsedMs);
    this.measure(pattern, kind, outcome, delivered, elapsedMs);
    markFailed(span, failure, outcome);
  }

  private measure(pattern: string, kind: HandlerKind, outcome: MessageOutcome, delivered: EventOutcome, elapsedMs: number): void {
    messagingHandlerDuration.observe({ pattern, transport: this.transport, outcome }, elapsedMs / 1000);
    if (kind === 'event') messagingEventsProcessed.inc({ pattern, consumer: this.consumer ?? 'gateway', outcome: delivered });
  }

  /** One line per handled message, at info, so that a split's logs show the flow; health checks, asked all the time, at debug. */
  private logHandled(pattern: string, kind: HandlerKind, outcome: string, elapsedMs: number): void {
    const line = {
      msg: `${kind} ${pattern} ${outcome}`,
      pattern,
      kind,
      transport: this.transport,
      outcome,
      durationMs: Math.round(elapsedMs * 10) / 10,
    };
    if (isHealthCheckPattern(pattern)) this.logger.debug(line);
    else this.logger.log(line);
  }
}

/** An event's id as the span's message id, so that a trace names the very event an inbox or a dead letter holds. */
function spanAttributesOf(payload: unknown): Attributes | undefined {
  const eventId = (payload as { eventId?: unknown } | null)?.eventId;
  return typeof eventId === 'string' ? { 'messaging.message.id': eventId } : undefined;
}
