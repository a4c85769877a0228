import { RemoteError } from '@tessera/messaging';
import { DomainError } from '@tessera/shared-kernel';

/**
 * A refusal another context answered, as this context's own DomainError when
 * its code is one to pass on to the caller unchanged (with its details and
 * field problems); any other failure stays what it is, and reaches the caller
 * as INTERNAL.
 */
export function passOn(error: unknown, codes: readonly string[]): unknown {
  if (error instanceof RemoteError && codes.includes(error.code)) return error.asDomainError();
  return error;
}

/** The code of a refusal, local or remote, or undefined for any other failure. */
export function codeOf(error: unknown): string | undefined {
  return error instanceof RemoteError || error instanceof DomainError ? error.code : undefined;
}

/** The message of anything thrown, for a log line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
