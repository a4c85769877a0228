import type { DataSource } from 'typeorm';

/**
 * The rows a statement answers, whatever its kind: TypeORM hands back
 * `[rows, count]` for UPDATE and DELETE but plain rows for the rest.
 */
export async function queryRows<T>(dataSource: DataSource, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return (await runner.query(sql, parameters, true)).records as T[];
  } finally {
    await runner.release();
  }
}
