import { ERROR_CODES, ErrorPayload } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';

/** What Nest's transports, and the in-process one, answer for a pattern nobody serves. */
export const NO_HANDLER_MESSAGE = 'There is no matching message handler defined in the remote service.';

/** An error answered by another context, or the failure to reach it, as a stable code. */
export class RemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly errors?: ErrorPayload['errors'],
    readonly details?: ErrorPayload['details'],
  ) {
    super(message);
    this.name = 'RemoteError';
  }

  /** The refusal as this context's own DomainError, to pass on to its caller unchanged: code, message, field problems and details. */
  asDomainError(): DomainError {
    return new DomainError(this.code, this.message, { ...(this.details ?? {}), ...(this.errors ? { errors: this.errors } : {}) });
  }

  /**
   * Turns whatever a transport delivered as an error into a RemoteError. A
   * failure to reach the context is not one: the caller tells it apart first
   * (isUnreachableFailure), since the resilience policy counts it.
   */
  static from(error: unknown, context: string): RemoteError {
    if (error instanceof RemoteError) return error;
    if (isErrorPayload(error)) return new RemoteError(error.code, error.message, error.errors, error.details);
    const message = typeof error === 'string' ? error : (error as { message?: string })?.message;
    if (message === NO_HANDLER_MESSAGE) {
      return new RemoteError(ERROR_CODES.NO_HANDLER, `${context} serves no handler for this message`);
    }
    return new RemoteError(ERROR_CODES.INTERNAL, `${context} failed to answer`);
  }
}

function isErrorPayload(value: unknown): value is ErrorPayload {
  return typeof value === 'object' && value !== null && typeof (value as ErrorPayload).code === 'string' && typeof (value as ErrorPayload).message === 'string';
}
