import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ContextName } from '@tessera/contracts';
import { Observable } from 'rxjs';
import { CorrelationInterceptor } from './correlation/correlation.interceptor';
import { EventDeliveryInterceptor } from './events/event-delivery.interceptor';
import { DeadLetters } from './persistence/dead-letters';
import { MESSAGING_CONTEXT } from './persistence/messaging-context';

/**
 * What every message handler of a context runs in, as one Nest interceptor:
 * the request's correlation (CorrelationInterceptor) around, for an event,
 * the delivery rule (EventDeliveryInterceptor). One rather than two, because
 * Nest binds an AsyncResource per interceptor and call, which on Node 20
 * costs more than the rest of an in-process hop.
 */
@Injectable()
export class MessageHandlingInterceptor implements NestInterceptor {
  private readonly correlation = new CorrelationInterceptor();
  private readonly delivery: EventDeliveryInterceptor;

  constructor(
    @Optional() deadLetters?: DeadLetters,
    @Optional() @Inject(MESSAGING_CONTEXT) consumer?: ContextName,
    @Optional() config?: ConfigService,
  ) {
    this.delivery = new EventDeliveryInterceptor(deadLetters, consumer, config);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return this.correlation.intercept(context, { handle: () => this.delivery.intercept(context, next) });
  }
}
