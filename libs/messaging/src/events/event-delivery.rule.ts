import { Logger } from '@nestjs/common';
import { ERROR_CODES, type ContextName, type IntegrationEventEnvelope } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { DeadLetters } from '../persistence/dead-letters';
import { isDependencyOutage } from './dependency-outage';
import { isFirstDelivery } from './first-delivery';
import { redeliveryDelayMs } from './redelivery-delay';
import type { EventOutcome } from '../observability/messaging-metrics';

export const DEFAULT_EVENT_MAX_ATTEMPTS = 8;

/**
 * How a delivery ended; a dead-lettered one with its handler's last failure, and a rejected one (not an event of
 * ours) with why, each acknowledged though it failed.
 */
export type EventDelivered =
  { outcome: Exclude<EventOutcome, 'dead-lettered' | 'rejected' | 'failed'> } | { outcome: 'dead-lettered' | 'rejected'; failure: unknown };

// What every outbox writes as an event's id; the inbox and the dead letters key on it.
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * EVENT_NOT_PROCESSED, the answer that has the event come again later, with
 * the handler's own failure beside it: a database error there is an
 * unexpected failure to measure and trace as one, not a business refusal.
 */
export class EventNotProcessedError extends DomainError {
  constructor(
    message: string,
    retryAfterMs: number,
    readonly failure: unknown,
  ) {
    super(ERROR_CODES.EVENT_NOT_PROCESSED, message, { retryAfterMs });
  }
}

/**
 * The one rule every event handler of a context follows, whatever the
 * transport: an event that is a dead letter of this context is acknowledged
 * without running; a handler that fails has its failure counted, and the
 * event comes again after an exponential, jittered pause
 * (EVENT_NOT_PROCESSED with `retryAfterMs`); at EVENT_MAX_ATTEMPTS it
 * becomes a dead letter of this context and is acknowledged, so that the
 * events behind it keep flowing. A failure that was an outage of what the
 * handler needs (isDependencyOutage) is retried the same way but never makes
 * a dead letter: the event is processed when the outage ends, not parked
 * for an operator (ADR 0020).
 */
export class EventDeliveryRule {
  private readonly logger = new Logger('Events');

  constructor(
    private readonly deadLetters: DeadLetters,
    private readonly consumer: ContextName,
    private readonly maxAttempts = DEFAULT_EVENT_MAX_ATTEMPTS,
  ) {}

  /** Whether the rule applies to a payload: only an integration event has an id to count its failures by. */
  appliesTo(payload: unknown): payload is IntegrationEventEnvelope {
    return typeof (payload as IntegrationEventEnvelope | undefined)?.eventId === 'string';
  }

  /** Delivers the event to `handle`, and says how that ended; a failure to retry later is thrown. */
  async deliver(event: IntegrationEventEnvelope, pattern: string, handle: () => Promise<unknown>): Promise<EventDelivered> {
    // Not one an outbox wrote (published by hand on the broker): its failures could be neither counted nor kept as a
    // dead letter, so it would come back forever; it is dropped, once, with an error naming it.
    if (!EVENT_ID.test(event.eventId)) {
      const id = JSON.stringify(event.eventId.slice(0, 100));
      this.logger.error(`Event ${pattern} with the id ${id} is dropped by ${this.consumer}: an event's id is a UUID, by which it is counted and deduplicated`);
      return { outcome: 'rejected', failure: new DomainError(ERROR_CODES.VALIDATION_FAILED, `The event id ${id} is not a UUID`) };
    }
    // Nearly every event arrives once: then it cannot have failed here before, and there is nothing to look up.
    const earlier = isFirstDelivery(event) ? undefined : await this.deadLetters.find(event.eventId, this.consumer);
    if (earlier?.dead) return { outcome: 'skipped-dead-letter' };
    try {
      await handle();
    } catch (error) {
      const outage = isDependencyOutage(error);
      const failure = await this.deadLetters.recordFailure(event, pattern, this.consumer, error, this.maxAttempts, outage);
      // A replay waits for this outcome, and must not be told the event went through: it is still a dead letter.
      if (earlier?.replayed) {
        this.logger.error(`Replayed event ${pattern} ${event.eventId} failed again in ${this.consumer}: ${(error as Error)?.message ?? error}`);
        throw error;
      }
      if (failure.dead) {
        this.logger.error(
          `Event ${pattern} ${event.eventId} is a dead letter of ${this.consumer} after ${failure.attempts} attempts: ${(error as Error)?.message ?? error}`,
        );
        return { outcome: 'dead-lettered', failure: error };
      }
      const retryAfterMs = redeliveryDelayMs(failure.attempts);
      const attempt = outage
        ? `attempt ${failure.attempts}, an outage not counted towards ${this.maxAttempts}`
        : `attempt ${failure.attempts} of ${this.maxAttempts}`;
      this.logger.warn(
        `Event ${pattern} ${event.eventId} failed in ${this.consumer} (${attempt}), again in ${retryAfterMs} ms: ${(error as Error)?.message ?? error}`,
      );
      throw new EventNotProcessedError(`${this.consumer} could not process ${pattern} yet`, retryAfterMs, error);
    }
    if (earlier) await this.deadLetters.forget(event.eventId, this.consumer);
    return { outcome: 'processed' };
  }
}
