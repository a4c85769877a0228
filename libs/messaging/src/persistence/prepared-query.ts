import { createHash } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

/** The part of node-postgres a prepared query needs: a client or a pool. */
interface PgQueryable {
  query(config: Statement, values: unknown[]): Promise<{ rows: unknown[] }>;
}

interface Statement {
  readonly name?: string;
  readonly text: string;
}

// By the length of their text, then compared whole. The order flow's statements are built anew on every call, and a
// map keyed by such a text hashes every character of it first (2.1 µs for a kilobyte); comparing it with the few
// texts of its length costs a tenth of that.
const namedStatements = new Map<number, Statement[]>();
const unnamedStatements = new Map<number, Statement[]>();

/**
 * Runs `text` as a named prepared statement and answers its rows. Postgres
 * parses a statement sent without a name, and plans it, on every call: for
 * the order flow's statements that was about half of what they cost the
 * server (docs/performance.md). Named, each connection parses it once, and
 * after a few calls keeps a generic plan. A DataSource whose `extra` says
 * `preparedStatements: false` gets unnamed statements. Inside the manager's
 * transaction when it has one, on the pool otherwise. Failures are TypeORM's
 * QueryFailedError, as from `query()`, so that constraint checks read the
 * same.
 */
export async function preparedQuery<T>(on: DataSource | EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const connection = pgConnectionOf(on);
  const dataSource = on instanceof EntityManager ? on.connection : on;
  const named = (dataSource.options as { extra?: { preparedStatements?: boolean } }).extra?.preparedStatements !== false;
  try {
    // node-postgres copies a query's config by its own properties on every call (8.23's cloneQueryConfig, 1.9 µs)
    // and keeps its prototype, so a config whose name and text are inherited from the statement's costs no copy.
    const result = await connection.query(Object.create(statementOf(text, named)) as Statement, values);
    return result.rows as T[];
  } catch (error) {
    throw new QueryFailedError(text, values, error as Error);
  }
}

function pgConnectionOf(on: DataSource | EntityManager): PgQueryable {
  const runner = on instanceof EntityManager ? on.queryRunner : undefined;
  if (runner && !runner.isReleased) return (runner as unknown as { databaseConnection: PgQueryable }).databaseConnection;
  return ((on instanceof EntityManager ? on.connection : on).driver as unknown as { master: PgQueryable }).master;
}

/** A statement's config, made once per text; named by a hash of it, the same in every process and as short as Postgres keeps whole. */
function statementOf(text: string, named: boolean): Statement {
  const byLength = named ? namedStatements : unnamedStatements;
  const sameLength = byLength.get(text.length);
  const known = sameLength?.find((statement) => statement.text === text);
  if (known) return known;
  const statement = Object.freeze(named ? { name: `t_${createHash('sha256').update(text).digest('hex').slice(0, 40)}`, text } : { text });
  if (sameLength) sameLength.push(statement);
  else byLength.set(text.length, [statement]);
  return statement;
}
