import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface CorrelationScope {
  readonly correlationId?: string;
}

const scopes = new AsyncLocalStorage<CorrelationScope>();

/** The id of the request the running code works for, if it works for one. */
export function currentCorrelationId(): string | undefined {
  return scopes.getStore()?.correlationId;
}

/**
 * Runs `work` on behalf of the request `correlationId`: what it logs, sends and
 * publishes, now or in any callback it leaves behind, carries that id. Without
 * an id, `work` runs for no request, whichever request its caller served.
 */
export function runWithCorrelation<T>(correlationId: string | undefined, work: () => T): T {
  return scopes.run({ correlationId }, work);
}

// Bounded and free of spaces, quotes and control characters, so a client's id is safe in a header and a log line.
const CORRELATION_ID = /^[A-Za-z0-9._:+=/-]{1,128}$/;

/** Whether a value may serve as a correlation id: 1 to 128 letters, digits or `. _ : + = / -`. */
export function isCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && CORRELATION_ID.test(value);
}

/** A fresh correlation id, for a request that came without a usable one. */
export function newCorrelationId(): string {
  return randomUUID();
}
