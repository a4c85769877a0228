import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { Observable } from 'rxjs';
import { tap } from 'rxjs/operators';
import { correlationIdOf } from './correlation.envelope';
import { currentCorrelationId, runWithCorrelation } from './correlation.store';

/**
 * Runs a message or event handler on behalf of the request its payload came
 * with (fromWire), so that whatever the handler logs, sends and publishes
 * carries the same correlation id, and logs one debug line per handled
 * message: its pattern, how long it took and how it ended.
 */
@Injectable()
export class CorrelationInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Messages');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const correlationId = correlationIdOf(context.switchToRpc().getData()) ?? currentCorrelationId();
    const handler = context.getHandler();
    const kind = Reflect.getMetadata(PATTERN_HANDLER_METADATA, handler) === PatternHandler.EVENT ? 'event' : 'message';
    const pattern = ([] as unknown[]).concat(Reflect.getMetadata(PATTERN_METADATA, handler) ?? context.getHandler().name).join(', ');
    const started = performance.now();
    const log = (outcome: string) =>
      runWithCorrelation(correlationId, () =>
        this.logger.debug({ msg: `${kind} ${pattern} ${outcome}`, pattern, kind, outcome, durationMs: Math.round((performance.now() - started) * 10) / 10 }),
      );
    // Subscribing inside the scope too: the handler's result, and any error filter that sees it, then stay in the request's scope.
    return new Observable((subscriber) =>
      runWithCorrelation(correlationId, () =>
        next
          .handle()
          .pipe(tap({ complete: () => log('handled'), error: (error: unknown) => log(`failed: ${failureOf(error)}`), unsubscribe: () => log('cancelled') }))
          .subscribe(subscriber),
      ),
    );
  }
}

function failureOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : ((error as Error)?.name ?? 'error');
}
