import { ERROR_CODES } from '@tessera/contracts';
import type { IdempotencyScope, IdempotencyStore } from '@tessera/messaging';
import { DomainError } from '@tessera/shared-kernel';
import { throughJson } from './next-turn';

type Entry = { request: string; outcome?: { result: unknown } | { error: { code: string; message: string; details?: Record<string, unknown> } } };

/** An IdempotencyStore for tests with the real one's rules: replay, IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_USE, unexpected failures forgotten. */
export class FakeIdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  readonly scopes: IdempotencyScope[] = [];

  async run<T>(scope: IdempotencyScope, request: unknown, work: () => Promise<T>): Promise<T> {
    this.scopes.push({ ...scope });
    const key = `${scope.userId}|${scope.operation}|${scope.key}`;
    const fingerprint = JSON.stringify(request);
    const existing = this.entries.get(key);
    if (existing) {
      if (existing.request !== fingerprint) throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_REUSED, 'Key reused with another request');
      if (!existing.outcome) throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_IN_USE, 'Key in use');
      return settle<T>(existing.outcome);
    }
    const entry: Entry = { request: fingerprint };
    this.entries.set(key, entry);
    try {
      entry.outcome = { result: throughJson(await work()) };
    } catch (error) {
      if (!(error instanceof DomainError)) {
        this.entries.delete(key);
        throw error;
      }
      entry.outcome = { error: { code: error.code, message: error.message, details: error.details } };
    }
    return settle<T>(entry.outcome);
  }

  asStore(): IdempotencyStore {
    return this as unknown as IdempotencyStore;
  }
}

function settle<T>(outcome: NonNullable<Entry['outcome']>): T {
  if ('error' in outcome) throw new DomainError(outcome.error.code, outcome.error.message, outcome.error.details);
  return throughJson(outcome.result) as T;
}
