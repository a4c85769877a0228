import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, type QueryRunner } from 'typeorm';
import { createTestDatabase, POSTGRES_ADMIN_URL } from '../../../../../test/harness/postgres';
import { describeWith } from '../../../../../test/harness/services';
import { AddCatalogProductNameSearchIndex1795560000000, PRODUCT_NAME_SEARCH_INDEX } from './1795560000000-add-product-name-search-index.migration';

// A server that answers the migration's questions as a server with or without pg_trgm would: this machine's Postgres
// has its contrib installed, so it cannot show one without. The repository's spec on Postgres runs the migration for
// real and reads through its index; the suite below has Postgres refuse the extension to a user.
describe('AddCatalogProductNameSearchIndex1795560000000', () => {
  const serverWhere = (extension: { schema: string | null; available: boolean; createdIn?: string }) => {
    const statements: string[] = [];
    let schema = extension.schema;
    const runner = {
      query: jest.fn(async (sql: string) => {
        statements.push(sql);
        if (sql.startsWith('DO $$')) schema = extension.createdIn ?? schema;
        if (sql.includes('pg_available_extensions')) return [{ schema, available: extension.available, refusal: null }];
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
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${PRODUCT_NAME_SEARCH_INDEX} ON catalog.products USING gin (lower(name) "catalog".gin_trgm_ops) WITH (fastupdate = off)`,
    );
    expect(warnings).toEqual([]);
  });

  it('uses pg_trgm where an administrator already created it, creating nothing else', async () => {
    const { runner, statements } = serverWhere({ schema: 'public', available: true });
    await new AddCatalogProductNameSearchIndex1795560000000().up(runner);
    expect(statements.some((sql) => sql.includes('CREATE EXTENSION'))).toBe(false);
    expect(statements.at(-1)).toContain('USING gin (lower(name) "public".gin_trgm_ops) WITH (fastupdate = off)');
  });

  it('migrates without the index where the server has no pg_trgm, saying so and what to run once it has', async () => {
    const { runner, statements } = serverWhere({ schema: null, available: false });
    await new AddCatalogProductNameSearchIndex1795560000000().up(runner);
    expect(statements.some((sql) => sql.includes('CREATE EXTENSION') || sql.includes('CREATE INDEX'))).toBe(false);
    expect(warnings).toEqual([expect.stringContaining("this Postgres server does not have it: it comes with Postgres's contrib package")]);
    expect(warnings[0]).toContain(
      `CREATE INDEX CONCURRENTLY ${PRODUCT_NAME_SEARCH_INDEX} ON catalog.products USING gin (lower(name) gin_trgm_ops) WITH (fastupdate = off)`,
    );
  });
});

describeWith(['postgres'])('AddCatalogProductNameSearchIndex1795560000000 on Postgres', () => {
  const role = `catalog_no_create_${randomBytes(4).toString('hex')}`;
  let database: { url: string; drop: () => Promise<void> };
  let asTheRole: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A user who owns the catalog's schema and its table but may not create in the database, so Postgres refuses it
    // the extension, as a server before 13 refuses every user who is not a superuser.
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`CREATE SCHEMA catalog AUTHORIZATION ${role}`);
    await admin.query(`CREATE TABLE catalog.products (id uuid PRIMARY KEY, name text NOT NULL)`);
    await admin.query(`ALTER TABLE catalog.products OWNER TO ${role}`);
    await admin.end();
    const url = new URL(database.url);
    url.username = role;
    asTheRole = await new DataSource({ type: 'postgres', url: url.toString() }).initialize();
  }, 60_000);

  afterAll(async () => {
    await asTheRole?.destroy();
    await database?.drop();
    const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it("migrates without the index where Postgres refuses the user pg_trgm, warning with Postgres's own words", async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    const runner = asTheRole.createQueryRunner();
    try {
      await new AddCatalogProductNameSearchIndex1795560000000().up(runner);
    } finally {
      await runner.release();
      jest.restoreAllMocks();
    }

    expect(warnings).toEqual([expect.stringContaining('Postgres refused it: permission denied to create extension "pg_trgm"')]);
    const indexes = (await asTheRole.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'catalog' AND tablename = 'products'`)) as unknown[];
    expect(indexes).toEqual([{ indexname: 'products_pkey' }]);
  });
});
