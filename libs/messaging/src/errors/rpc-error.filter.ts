import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import { ERROR_CODES, ErrorPayload } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { Observable, throwError } from 'rxjs';
import { RemoteError } from './remote.error';

/**
 * Turns what a message handler throws into the wire's error shape: a domain
 * error keeps its code and message; anything else is logged here and leaves
 * as INTERNAL, so no stack, SQL or class name ever crosses a boundary. An
 * unavailable downstream context stays CONTEXT_UNAVAILABLE.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  catch(error: unknown, host: ArgumentsHost): Observable<never> {
    return throwError(() => this.toPayload(error, host));
  }

  private toPayload(error: unknown, host: ArgumentsHost): ErrorPayload {
    if (error instanceof DomainError) {
      const { errors, ...details } = (error.details ?? {}) as { errors?: ErrorPayload['errors'] } & Record<string, unknown>;
      return {
        code: error.code,
        message: error.message,
        ...(errors ? { errors } : {}),
        ...(Object.keys(details).length > 0 ? { details } : {}),
      };
    }
    if (error instanceof RemoteError && error.code === ERROR_CODES.CONTEXT_UNAVAILABLE) {
      // A context this one needed did not answer: so, for the caller, neither did this one.
      return { code: error.code, message: error.message };
    }
    const pattern = host.switchToRpc().getContext<{ getPattern?: () => string }>()?.getPattern?.() ?? 'a message';
    this.logger.error(`Unexpected failure handling ${pattern}`, (error as Error)?.stack ?? String(error));
    return { code: ERROR_CODES.INTERNAL, message: 'The request could not be completed' };
  }
}
