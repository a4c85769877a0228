import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from './prepared-query';

/**
 * Several writes sent as one SQL statement, each a data-modifying CTE, which
 * Postgres runs all or nothing, in one round trip: a transaction of the same
 * writes costs a round trip per statement plus BEGIN and COMMIT, and on the
 * hot path those round trips are most of what an order costs
 * (docs/performance.md). Writers (a repository, the outbox, the idempotency
 * keys) each add their parts; one part that must happen only if another
 * did selects from the other's RETURNING rows (`onlyIf`). A constraint
 * violation anywhere aborts the whole statement, which is how a part
 * refuses. Every part sees the database as it was when the statement began:
 * one cannot read what another writes, except through RETURNING.
 *
 * Outbox events added to a statement leave when it has run and the caller
 * flushes it (`Outbox.flush(statement)`), as they do after a transaction.
 */
export class AtomicStatement {
  private readonly parts: string[] = [];
  private readonly values: unknown[] = [];

  /** The placeholder of `value`, cast to `type` so that Postgres need not guess it from where it stands. */
  param(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }

  /** Adds a part (INSERT, UPDATE or DELETE with RETURNING, or a SELECT) under a fresh name, which it answers. */
  with(sql: string): string {
    const name = `part_${this.parts.length}`;
    this.parts.push(`${name} AS (${sql})`);
    return name;
  }

  /** A condition that holds when the part `name` returned a row: what a dependent part puts in its WHERE. */
  static onlyIf(name: string | undefined): string {
    return name === undefined ? 'true' : `EXISTS (SELECT 1 FROM ${name})`;
  }

  /** Whether a part was added: a statement of none has nothing to run. */
  get isEmpty(): boolean {
    return this.parts.length === 0;
  }

  /**
   * Runs every part, inside the manager's transaction when given one, and
   * answers the rows of `result`, a SELECT over the parts' names.
   */
  async run<T>(on: DataSource | EntityManager, result: string): Promise<T[]> {
    const sql = this.parts.length === 0 ? result : `WITH ${this.parts.join(',\n')}\n${result}`;
    return preparedQuery<T>(on, sql, this.values);
  }
}
