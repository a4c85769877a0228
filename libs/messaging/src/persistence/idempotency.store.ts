import { ERROR_CODES, MAX_IDEMPOTENCY_KEY_LENGTH } from '@tessera/contracts';
import { DomainError, ValidationError } from '@tessera/shared-kernel';
import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AtomicStatement } from './atomic-statement';
import { queryRows } from './query-rows';

export interface IdempotencyScope {
  userId: string;
  key: string;
  operation: string;
}

/** What a key's first request ended in, kept to be answered again: its result, or the business error it refused with. */
export type IdempotencyOutcome = { result: unknown } | { error: { code: string; message: string; details?: Record<string, unknown> } };

/** How long a client is told to wait before asking again about a key whose request is still being resolved. */
export const IDEMPOTENCY_RETRY_AFTER_SECONDS = 2;
/**
 * How long a request waits at most for the first request with its key to end, so that a retry sent while the first
 * is still running (a double click, a client's retry after its own timeout) gets the first answer, as API.md
 * promises, rather than IDEMPOTENCY_KEY_IN_USE. A first request cut off by a crash stays RUNNING until recovery
 * resolves it, and the wait ends in IDEMPOTENCY_KEY_IN_USE.
 */
const RUNNING_KEY_WAIT_MS = 1000;
const RUNNING_KEY_POLL_MS = { first: 10, longest: 100 };

/**
 * Idempotency keys of a context's client-facing writes (Stripe's semantics),
 * bound to the resource the request works on (the order being placed, the
 * payment being charged). The key is claimed in the same transaction as the
 * durable intent of that resource, and its outcome is recorded in the same
 * transaction as the change that decides it, so a crash can never leave a
 * key that says less or more than the data: a key whose request was cut off
 * stays RUNNING until the owner's recovery resolves its resource, and is
 * never run a second time. Meanwhile the same key waits a moment for that
 * answer, then answers IDEMPOTENCY_KEY_IN_USE with `retryAfterSeconds`; with another request,
 * IDEMPOTENCY_KEY_REUSED; once resolved, the recorded outcome.
 */
export class IdempotencyStore {
  constructor(
    private readonly schema: string,
    private readonly dataSource: DataSource,
    /** The callers' request timeout of the moment: the wait for a running key takes half of it at most, so that its answer reaches them. */
    private readonly requestTimeoutMs: () => number = () => Infinity,
  ) {}

  /**
   * The answer recorded for this key, as `{ value }`, or undefined when the key
   * is new. Throws the recorded business error, IDEMPOTENCY_KEY_REUSED, or,
   * when the key's request is still unresolved after the wait
   * (RUNNING_KEY_WAIT_MS, or half the request timeout when that is shorter),
   * IDEMPOTENCY_KEY_IN_USE.
   */
  async replay<T>(scope: IdempotencyScope, request: unknown): Promise<{ value: T } | undefined> {
    const deadline = performance.now() + Math.min(RUNNING_KEY_WAIT_MS, this.requestTimeoutMs() / 2);
    for (let pauseMs = RUNNING_KEY_POLL_MS.first; ; pauseMs = Math.min(pauseMs * 2, RUNNING_KEY_POLL_MS.longest)) {
      const [stored] = await queryRows<{ request_hash: string; state: string; outcome: IdempotencyOutcome | null }>(
        this.dataSource,
        `SELECT request_hash, state, outcome FROM "${this.schema}".idempotency_keys WHERE user_id = $1 AND operation = $2 AND key = $3`,
        [scope.userId, scope.operation, scope.key],
      );
      if (!stored) return undefined;
      if (stored.request_hash !== hashOf(request)) {
        throw new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was used with a different request');
      }
      if (stored.state === 'DONE' && stored.outcome) return { value: settle<T>(stored.outcome) };
      if (performance.now() + pauseMs > deadline) throw keyInUseError();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  /**
   * Claims the key for the work on `resourceId`, as a part of the statement
   * that stores the resource's intent, and answers that part's name: it
   * returns a row only when the key was new (and `condition`, SQL over the
   * statement's other parts, holds), so the intent is written `onlyIf` it.
   * A key that exists already is left as it is: replay it.
   */
  claimIn(statement: AtomicStatement, scope: IdempotencyScope, request: unknown, resourceId: string, condition = 'true'): string {
    return statement.with(
      `INSERT INTO "${this.schema}".idempotency_keys (user_id, key, operation, request_hash, state, resource_id)
       SELECT ${statement.param(scope.userId, 'uuid')}, ${statement.param(scope.key, 'text')}, ${statement.param(scope.operation, 'text')},
              ${statement.param(hashOf(request), 'text')}, 'RUNNING', ${statement.param(resourceId, 'uuid')}
        WHERE ${condition}
       ON CONFLICT (user_id, operation, key) DO NOTHING
       RETURNING key`,
    );
  }

  /**
   * Records the outcome of the keys bound to `resourceId`, as a part of the
   * statement that stores the change the outcome tells of, `onlyIf` that
   * change is written.
   */
  recordIn(statement: AtomicStatement, resourceId: string, outcome: IdempotencyOutcome, onlyIf?: string): void {
    statement.with(
      `UPDATE "${this.schema}".idempotency_keys SET state = 'DONE', outcome = ${statement.param(JSON.stringify(outcome), 'jsonb')}, updated_at = now()
        WHERE resource_id = ${statement.param(resourceId, 'uuid')} AND ${AtomicStatement.onlyIf(onlyIf)}
       RETURNING key`,
    );
  }

  /**
   * Records the outcome of the keys bound to `resourceId`: inside the caller's
   * transaction when given (the one that stores the change the outcome tells of).
   */
  async record(resourceId: string, outcome: IdempotencyOutcome, manager: EntityManager | DataSource = this.dataSource): Promise<void> {
    const statement = new AtomicStatement();
    this.recordIn(statement, resourceId, outcome);
    await statement.run(manager, 'SELECT 1');
  }

  /**
   * Forgets the unresolved keys bound to `resourceId`, inside the caller's
   * transaction: its work was undone without a trace, so a retry may run as new.
   */
  async forget(resourceId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM "${this.schema}".idempotency_keys WHERE resource_id = $1 AND state = 'RUNNING'`, [resourceId]);
  }
}

/** IDEMPOTENCY_KEY_IN_USE: the key's first request is still unresolved; the client is told when to ask again. */
export function keyInUseError(): DomainError {
  return new DomainError(ERROR_CODES.IDEMPOTENCY_KEY_IN_USE, 'The first request with this Idempotency-Key is still being resolved; ask again shortly', {
    retryAfterSeconds: IDEMPOTENCY_RETRY_AFTER_SECONDS,
  });
}

/** A request's `idempotencyKey` as the contracts allow it (1..255 characters), undefined when none was sent; VALIDATION_FAILED otherwise. */
export function idempotencyKeyOf(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw ValidationError.of('idempotencyKey', `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return raw;
}

/** The outcome to keep for a successful result. */
export function resultOutcome(result: unknown): IdempotencyOutcome {
  return { result };
}

/** The outcome to keep for a business refusal: its code, message and details, never a stack. */
export function errorOutcome(error: { code: string; message: string; details?: Record<string, unknown> }): IdempotencyOutcome {
  return { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
}

/** Answers a kept outcome again: returns its result, or throws its business error. */
export function settle<T>(outcome: IdempotencyOutcome): T {
  if ('error' in outcome) throw new DomainError(outcome.error.code, outcome.error.message, outcome.error.details);
  return outcome.result as T;
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
