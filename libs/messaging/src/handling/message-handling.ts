import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RpcException } from '@nestjs/microservices';
import type { ContextName } from '@tessera/contracts';
import { correlationIdOf } from '../correlation/correlation.envelope';
import { currentCorrelationId, runWithCorrelation } from '../correlation/correlation.store';
import { errorPayloadOf, isUnexpectedFailure } from '../errors/error-payload';
import { DEFAULT_EVENT_MAX_ATTEMPTS, EventDeliveryRule } from '../events/event-delivery.rule';
import { DeadLetters } from '../persistence/dead-letters';
import { MESSAGING_CONTEXT } from '../persistence/messaging-context';

/** Whether a handler answers a request or consumes an event. */
export type HandlerKind = 'message' | 'event';

/**
 * What runs around every handler of a @MessagesController(), on every
 * transport: the handler runs on behalf of the request its payload came with
 * (fromWire), so whatever it logs, sends and publishes carries the same
 * correlation id; an event follows its context's delivery rule
 * (EventDeliveryRule); whatever it throws leaves as the wire's error shape
 * (errorPayloadOf), an unexpected failure logged here; and one debug line per
 * handled message says its pattern, how long it took and how it ended.
 * Handlers of processes without persistence (the gateway) run without the
 * delivery rule.
 */
@Injectable()
export class MessageHandling {
  private readonly logger = new Logger('Messages');
  private readonly delivery?: EventDeliveryRule;

  constructor(
    @Optional() deadLetters?: DeadLetters,
    @Optional() @Inject(MESSAGING_CONTEXT) consumer?: ContextName,
    @Optional() config?: ConfigService,
  ) {
    if (deadLetters && consumer) this.delivery = new EventDeliveryRule(deadLetters, consumer, Number(config?.get('EVENT_MAX_ATTEMPTS') ?? DEFAULT_EVENT_MAX_ATTEMPTS));
  }

  handle(pattern: string, kind: HandlerKind, payload: unknown, handler: () => unknown): Promise<unknown> {
    const correlationId = correlationIdOf(payload) ?? currentCorrelationId();
    return runWithCorrelation(correlationId, async () => {
      const started = performance.now();
      try {
        const result = kind === 'event' && this.delivery?.appliesTo(payload) ? await this.delivery.deliver(payload, pattern, async () => handler()) : await handler();
        this.logHandled(pattern, kind, 'handled', started);
        return result;
      } catch (error) {
        const answer = errorPayloadOf(error);
        this.logHandled(pattern, kind, `failed: ${answer.code}`, started);
        if (isUnexpectedFailure(error)) this.logger.error(`Unexpected failure handling ${pattern}`, (error as Error)?.stack ?? String(error));
        // Nest's own filter sends an RpcException's object as it is: the error every transport carries back.
        throw new RpcException(answer);
      }
    });
  }

  private logHandled(pattern: string, kind: HandlerKind, outcome: string, started: number): void {
    this.logger.debug({ msg: `${kind} ${pattern} ${outcome}`, pattern, kind, outcome, durationMs: Math.round((performance.now() - started) * 10) / 10 });
  }
}
