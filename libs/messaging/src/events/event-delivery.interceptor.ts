import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { ERROR_CODES, type ContextName, type IntegrationEventEnvelope } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DeadLetters } from '../persistence/dead-letters';
import { MESSAGING_CONTEXT } from '../persistence/messaging-context';
import { redeliveryDelayMs } from './redelivery-delay';

const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * The one rule every event handler of a context follows, whatever the
 * transport: an event that is a dead letter of this context is acknowledged
 * without running; a handler that fails has its failure counted, and the
 * event comes again after an exponential, jittered pause
 * (EVENT_NOT_PROCESSED with `retryAfterMs`); at EVENT_MAX_ATTEMPTS it
 * becomes a dead letter of this context and is acknowledged, so that the
 * events behind it keep flowing. Handlers of processes without persistence
 * (the gateway) run as they are.
 */
@Injectable()
export class EventDeliveryInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Events');
  private readonly maxAttempts: number;

  constructor(
    @Optional() private readonly deadLetters?: DeadLetters,
    @Optional() @Inject(MESSAGING_CONTEXT) private readonly consumer?: ContextName,
    @Optional() config?: ConfigService,
  ) {
    this.maxAttempts = Number(config?.get('EVENT_MAX_ATTEMPTS') ?? DEFAULT_MAX_ATTEMPTS);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = context.getHandler();
    const event = context.switchToRpc().getData<IntegrationEventEnvelope | undefined>();
    const isEvent = context.getType() === 'rpc' && Reflect.getMetadata(PATTERN_HANDLER_METADATA, handler) === PatternHandler.EVENT;
    if (!isEvent || !this.deadLetters || !this.consumer || typeof event?.eventId !== 'string') return next.handle();
    const pattern = String(Reflect.getMetadata(PATTERN_METADATA, handler));
    return from(this.deliver(event, pattern, this.deadLetters, this.consumer, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }

  private async deliver(event: IntegrationEventEnvelope, pattern: string, deadLetters: DeadLetters, consumer: string, handle: () => Promise<unknown>): Promise<void> {
    const earlier = await deadLetters.find(event.eventId, consumer);
    if (earlier?.dead) return;
    try {
      await handle();
    } catch (error) {
      const failure = await deadLetters.recordFailure(event, pattern, consumer, error, this.maxAttempts);
      if (failure.dead) {
        this.logger.error(`Event ${pattern} ${event.eventId} is a dead letter of ${consumer} after ${failure.attempts} attempts: ${(error as Error)?.message ?? error}`);
        return;
      }
      const retryAfterMs = redeliveryDelayMs(failure.attempts);
      this.logger.warn(`Event ${pattern} ${event.eventId} failed in ${consumer} (attempt ${failure.attempts} of ${this.maxAttempts}), again in ${retryAfterMs} ms: ${(error as Error)?.message ?? error}`);
      throw new DomainError(ERROR_CODES.EVENT_NOT_PROCESSED, `${consumer} could not process ${pattern} yet`, { retryAfterMs });
    }
    if (earlier) await deadLetters.forget(event.eventId, consumer);
  }
}
