import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { queryRows } from './query-rows';

export interface IdempotencyScope {
  userId: string;
  key: string;
  operation: string;
}

type Outcome = { result: unknown } | { error: { code: string; message: string; details?: Record<string, unknown> } };

/** After this long a RUNNING key is taken to belong to a process that died, and may be run again. */
const ABANDONED_AFTER_SECONDS = 60;

/**
 * Idempotency keys of a context's client-facing writes (Stripe's semantics):
 * the first request with a key does the work and its outcome, result or
 * business error, is kept; the same key with the same request replays it;
 * with another request it is IDEMPOTENCY_KEY_REUSED; while the first still
 * runs, IDEMPOTENCY_KEY_IN_USE. The work runs outside any transaction of the
 * store, so it may call other contexts. Unexpected failures are not kept, so
 * a retry can succeed.
 */
export class IdempotencyStore {
  constructor(
    private readonly schema: string,
    private readonly dataSource: DataSource,
  ) {}

  async run<T>(scope: IdempotencyScope, request: unknown, work: () => Promise<T>): Promise<T> {
    const requestHash = hashOf(request);
    const claimed = await queryRows<{ state: string }>(
      this.dataSource,
      `INSERT INTO "${this.schema}".idempotency_keys (user_id, key, operation, request_hash, state)
       VALUES ($1, $2, $3, $4, 'RUNNING')
       ON CONFLICT (user_id, operation, key) DO UPDATE SET state = 'RUNNING', request_hash = EXCLUDED.request_hash, updated_at = now()
         WHERE idempotency_keys.state = 'RUNNING' AND idempotency_keys.updated_at < now() - interval '${ABANDONED_AFTER_SECONDS} seconds'
           AND idempotency_keys.request_hash = EXCLUDED.request_hash
       RETURNING state`,
      [scope.userId, scope.key, scope.operation, requestHash],
    );
    if (claimed.length === 0) return this.replay<T>(scope, requestHash);

    let outcome: Outcome;
    try {
      outcome = { result: await work() };
    } catch (error) {
      if (!(error instanceof DomainError) && !isCodedError(error)) {
        await this.forget(scope);
        throw error;
      }
      const { code, message, details } = error as { code: string; message: string; details?: Record<string, unknown> };
      outcome = { error: { code, message, ...(details ? { details } : {}) } };
    }
    await this.dataSource.query(
      `UPDATE "${this.schema}".idempotency_keys SET state = 'DONE', outcome = $4, updated_at = now() WHERE user_id = $1 AND operation = $2 AND key = $3`,
      [scope.userId, scope.operation, scope.key, JSON.stringify(outcome)],
    );
    return settle<T>(outcome);
  }

  private async replay<T>(scope: IdempotencyScope, requestHash: string): Promise<T> {
    const [stored] = await queryRows<{ request_hash: string; state: string; outcome: Outcome | null }>(
      this.dataSource,
      `SELECT request_hash, state, outcome FROM "${this.schema}".idempotency_keys WHERE user_id = $1 AND operation = $2 AND key = $3`,
      [scope.userId, scope.operation, scope.key],
    );
    if (!stored) throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_IN_USE, 'A request with this Idempotency-Key is still being processed');
    if (stored.request_hash !== requestHash) {
      throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was used with a different request');
    }
    if (stored.state !== 'DONE' || !stored.outcome) {
      throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_IN_USE, 'A request with this Idempotency-Key is still being processed');
    }
    return settle<T>(stored.outcome);
  }

  private async forget(scope: IdempotencyScope): Promise<void> {
    await this.dataSource.query(`DELETE FROM "${this.schema}".idempotency_keys WHERE user_id = $1 AND operation = $2 AND key = $3 AND state = 'RUNNING'`, [
      scope.userId,
      scope.operation,
      scope.key,
    ]);
  }
}

function settle<T>(outcome: Outcome): T {
  if ('error' in outcome) throw new DomainError(outcome.error.code, outcome.error.message, outcome.error.details);
  return outcome.result as T;
}

/** A business error that arrived from another context (a RemoteError) is an outcome to keep, like a local DomainError. */
function isCodedError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z][A-Z_]+$/.test(code) && code !== ERROR_CODES.CONTEXT_UNAVAILABLE && code !== ERROR_CODES.INTERNAL && code !== ERROR_CODES.NO_HANDLER;
}

/** A stable hash of a JSON value: object keys are sorted, so the same request always hashes the same. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
