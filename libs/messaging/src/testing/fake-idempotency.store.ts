import { ERROR_CODES } from '@tessera/contracts';
import { hashOf, settle, type IdempotencyOutcome, type IdempotencyScope, type IdempotencyStore } from '../persistence/idempotency.store';
import { DomainError } from '@tessera/shared-kernel';

type Entry = { requestHash: string; resourceId: string; outcome?: IdempotencyOutcome };

/**
 * IdempotencyStore's rules in memory, for specs: a key is claimed for a
 * resource, answers IDEMPOTENCY_KEY_IN_USE until its outcome is recorded,
 * then replays it (through JSON); another request is IDEMPOTENCY_KEY_REUSED;
 * a forgotten key may be claimed again. The transaction is ignored.
 */
export class FakeIdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  async replay<T>(scope: IdempotencyScope, request: unknown): Promise<{ value: T } | undefined> {
    const entry = this.entries.get(idOf(scope));
    if (!entry) return undefined;
    if (entry.requestHash !== hashOf(request))
      throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was used with a different request');
    if (!entry.outcome) throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_IN_USE, 'Still being resolved', { retryAfterSeconds: 2 });
    return { value: settle<T>(JSON.parse(JSON.stringify(entry.outcome)) as IdempotencyOutcome) };
  }

  async claim(_transaction: unknown, scope: IdempotencyScope, request: unknown, resourceId: string): Promise<boolean> {
    if (this.entries.has(idOf(scope))) return false;
    this.entries.set(idOf(scope), { requestHash: hashOf(request), resourceId });
    return true;
  }

  async record(resourceId: string, outcome: IdempotencyOutcome): Promise<void> {
    for (const entry of this.entries.values()) if (entry.resourceId === resourceId) entry.outcome = outcome;
  }

  async forget(resourceId: string): Promise<void> {
    for (const [id, entry] of this.entries) if (entry.resourceId === resourceId && !entry.outcome) this.entries.delete(id);
  }

  /** Whether a key of this scope is kept, and with what outcome (undefined while unresolved). */
  kept(scope: IdempotencyScope): { outcome?: IdempotencyOutcome } | undefined {
    const entry = this.entries.get(idOf(scope));
    return entry && { outcome: entry.outcome };
  }

  asStore(): IdempotencyStore {
    return this as unknown as IdempotencyStore;
  }
}

function idOf(scope: IdempotencyScope): string {
  return JSON.stringify([scope.userId, scope.operation, scope.key]);
}
