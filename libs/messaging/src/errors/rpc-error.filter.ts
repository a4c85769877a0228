import { Catch, RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { ErrorPayload } from '@tessera/contracts';
import { Observable, throwError } from 'rxjs';
import { errorPayloadOf } from './error-payload';

/**
 * Sends what a message handler failed with in the wire's error shape. The
 * handlers of a @MessagesController() already fail with it (MessageHandling);
 * this filter is for a process whose global filter would otherwise see their
 * errors first, as a hybrid app's HTTP filter does.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  catch(error: unknown): Observable<never> {
    const payload = error instanceof RpcException ? (error.getError() as ErrorPayload) : errorPayloadOf(error);
    return throwError(() => payload);
  }
}
