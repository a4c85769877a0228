import { Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { AddCatalogProductNameSearchIndex1795560000000, PRODUCT_NAME_SEARCH_INDEX } from './1795560000000-add-product-name-search-index.migration';

// Where pg_trgm cannot be had, which the machine's Postgres cannot be made to show (its contrib is installed and the
// specs' user is a superuser): a server that answers the migration's questions as such a server would. Where it can,
// the repository's spec on Postgres runs the migration for real and reads its index.
describe('AddCatalogProductNameSearchIndex1795560000000', () => {
  const serverWhere = (extension: { schema: string | null; available: boolean; createdIn?: string }) => {
    const statements: string[] = [];
    let schema = extension.schema;
    const runner = {
      query: jest.fn(async (sql: string) => {
        statements.push(sql);
        if (sql.startsWith('DO $$')) schema = extension.createdIn ?? schema;
        if (sql.includes('pg_available_extensions')) return [{ schema, available: extension.available }];
        return [];
      }),
    };
    return { runner: runner as unknown as QueryRunner, statements };
  };
  let warnings: string[];

  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  });

  afterEach(() => jest.restoreAllMocks());

  it('creates pg_trgm in the catalog schema and indexes names with its operators there', async () => {
    const { runner, statements } = serverWhere({ schema: null, available: true, createdIn: 'catalog' });
    await new AddCatalogProductNameSearchIndex1795560000000().up(runner);
    expect(statements.some((sql) => sql.includes('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA catalog'))).toBe(true);
    expect(statements.at(-1)).toBe(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${PRODUCT_NAME_SEARCH_INDEX} ON catalog.products USING gin (lower(name) "catalog".gin_trgm_ops)`,
    );
    expect(warnings).toEqual([]);
  });

  it('uses pg_trgm where an administrator already created it, creating nothing else', async () => {
    const { runner, statements } = serverWhere({ schema: 'public', available: true });
    await new AddCatalogProductNameSearchIndex1795560000000().up(runner);
    expect(statements.some((sql) => sql.includes('CREATE EXTENSION'))).toBe(false);
    expect(statements.at(-1)).toContain('USING gin (lower(name) "public".gin_trgm_ops)');
  });

  it('migrates without the index where the server has no pg_trgm, saying so and what to run once it has', async () => {
    const { runner, statements } = serverWhere({ schema: null, available: false });
    await new AddCatalogProductNameSearchIndex1795560000000().up(runner);
    expect(statements.some((sql) => sql.includes('CREATE EXTENSION') || sql.includes('CREATE INDEX'))).toBe(false);
    expect(warnings).toEqual([expect.stringContaining("this Postgres server does not have it (it comes with Postgres's contrib package)")]);
    expect(warnings[0]).toContain(`CREATE INDEX CONCURRENTLY ${PRODUCT_NAME_SEARCH_INDEX} ON catalog.products USING gin (lower(name) gin_trgm_ops)`);
  });

  it('migrates without the index where the user may not create pg_trgm, saying so', async () => {
    const { runner, statements } = serverWhere({ schema: null, available: true });
    await new AddCatalogProductNameSearchIndex1795560000000().up(runner);
    expect(statements.some((sql) => sql.includes('CREATE INDEX'))).toBe(false);
    expect(warnings).toEqual([expect.stringContaining('this database user may not create it (before Postgres 13, only a superuser may)')]);
  });
});
