import { ERROR_CODES } from '@tessera/contracts';
import type { IdempotencyScope, IdempotencyStore } from '@tessera/messaging';
import { DomainError } from '@tessera/shared-kernel';

type KeptError = { code: string; message: string; details?: Record<string, unknown> };
type Entry = { request: string; state: 'RUNNING' } | { request: string; state: 'DONE'; outcome: { result: unknown } | { error: KeptError } };
const FORGOTTEN_CODES: readonly string[] = [ERROR_CODES.CONTEXT_UNAVAILABLE, ERROR_CODES.INTERNAL, ERROR_CODES.NO_HANDLER];

/**
 * IdempotencyStore's promises in memory, for specs: the first run's result or
 * business error (a DomainError, or another context's coded answer) is kept
 * and replayed (through JSON, a kept error as a DomainError) for the same
 * scope and request; another request is IDEMPOTENCY_KEY_REUSED; a run still
 * going is IDEMPOTENCY_KEY_IN_USE; an unexpected failure, or an unavailable
 * context, is forgotten.
 */
export class FakeIdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  runs = 0;

  async run<T>(scope: IdempotencyScope, request: unknown, work: () => Promise<T>): Promise<T> {
    const id = JSON.stringify([scope.userId, scope.operation, scope.key]);
    const body = JSON.stringify(request);
    const entry = this.entries.get(id);
    if (entry) {
      if (entry.request !== body) throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was used with a different request');
      if (entry.state === 'RUNNING') throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_IN_USE, 'A request with this Idempotency-Key is still being processed');
      if ('error' in entry.outcome) throw new DomainError(entry.outcome.error.code, entry.outcome.error.message, entry.outcome.error.details);
      return JSON.parse(JSON.stringify(entry.outcome.result)) as T;
    }
    this.entries.set(id, { request: body, state: 'RUNNING' });
    this.runs++;
    try {
      const result = await work();
      this.entries.set(id, { request: body, state: 'DONE', outcome: { result } });
      return result;
    } catch (error) {
      if (isKept(error)) {
        const { code, message, details } = error as KeptError;
        this.entries.set(id, { request: body, state: 'DONE', outcome: { error: { code, message, ...(details ? { details } : {}) } } });
      } else {
        this.entries.delete(id);
      }
      throw error;
    }
  }

  asStore(): IdempotencyStore {
    return this as unknown as IdempotencyStore;
  }
}

function isKept(error: unknown): boolean {
  if (error instanceof DomainError) return true;
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z][A-Z_]+$/.test(code) && !FORGOTTEN_CODES.includes(code);
}
