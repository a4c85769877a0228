import { Logger } from '@nestjs/common';
import { createIndexConcurrently, type SqlRunner } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export const PRODUCT_NAME_SEARCH_INDEX = 'products_name_trigram_idx';

/** A setting of the migration's own connection, where the block that creates pg_trgm leaves Postgres's refusal. */
const REFUSAL_SETTING = 'tessera.pg_trgm_refusal';

/**
 * `GET /products?q=` finds a substring of a name anywhere in it, which no b-tree serves: without this index every
 * search read the whole table to count its matches (about 20 ms over 50,000 products), and a page of names late in
 * the alphabet walked most of the name index too. pg_trgm's GIN index answers a `LIKE '%…%'` of three characters or
 * more from the trigrams of the names (ADR 0025).
 *
 * pg_trgm comes with Postgres's contrib: the embedded database loads it, and Debian's packages and the official images
 * ship it. From Postgres 13 on, a user who may create in the database may create it. Where it cannot be had, the
 * catalog starts without the index and says so: every search still answers the same, by reading the whole table as
 * before. Built concurrently, so that stock keeps moving while a large catalog is indexed.
 */
export class AddCatalogProductNameSearchIndex1795560000000 implements MigrationInterface {
  name = 'AddCatalogProductNameSearchIndex1795560000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    const trigramSchema = await trigramExtensionSchema(queryRunner);
    if (!trigramSchema) return;
    await createIndexConcurrently(queryRunner, 'catalog', PRODUCT_NAME_SEARCH_INDEX, searchIndexDefinition(`"${trigramSchema}".gin_trgm_ops`));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The extension stays: something else of the database's may use it by now.
    await queryRunner.query(`DROP INDEX IF EXISTS catalog.${PRODUCT_NAME_SEARCH_INDEX}`);
  }
}

/**
 * The index on `lower(name)` with pg_trgm's operator class `operators`. Without GIN's pending list (`fastupdate`): a
 * name written goes into the index at once rather than into a list that every search reads until a vacuum merges it,
 * and the embedded database never vacuums. Names are written seldom. A stock update whose new row Postgres cannot keep
 * on its page pays for it: about 80 µs instead of 20 (ADR 0025), where one kept on its page touches no index.
 */
function searchIndexDefinition(operators: string): string {
  return `catalog.products USING gin (lower(name) ${operators}) WITH (fastupdate = off)`;
}

interface TrigramState {
  schema: string | null;
  available: boolean;
  /** What Postgres answered the migration's CREATE EXTENSION on this connection, where it refused. */
  refusal: string | null;
}

/**
 * The schema of pg_trgm's operators in this database, creating the extension in the catalog's schema where it is not
 * there yet; undefined, with a warning saying why and what to run, where it cannot be had. An extension is one per
 * database: where an administrator already created it elsewhere (in public, say), its operators are used from there.
 */
async function trigramExtensionSchema(runner: SqlRunner): Promise<string | undefined> {
  const state = async () =>
    (
      (await runner.query(
        `SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm') AS schema,
                EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_trgm') AS available,
                nullif(current_setting('${REFUSAL_SETTING}', true), '') AS refusal`,
      )) as TrigramState[]
    )[0];
  const before = await state();
  if (before.schema) return before.schema;
  let why = "this Postgres server does not have it: it comes with Postgres's contrib package";
  if (before.available) {
    // In a block that catches its own failure, keeping what Postgres said for the warning: an error answered to the
    // embedded database's socket costs its connection, and an index is not worth a failed start. pg_trgm is a trusted
    // extension from Postgres 13 on, so a user who may create the context's schema may create it; before 13, only a
    // superuser may.
    await runner.query(
      `DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA catalog;
       EXCEPTION WHEN OTHERS THEN PERFORM set_config('${REFUSAL_SETTING}', SQLERRM, false); END $$`,
    );
    const after = await state();
    if (after.schema) return after.schema;
    why = `Postgres refused it: ${after.refusal ?? 'no reason given'}`;
  }
  new Logger('CatalogMigrations').warn(
    `Product search (GET /products?q=) runs without its index, reading every product: the extension pg_trgm could not be created (${why}). ` +
      'Once an administrator has run CREATE EXTENSION pg_trgm in this database, build the index with: ' +
      `CREATE INDEX CONCURRENTLY ${PRODUCT_NAME_SEARCH_INDEX} ON ${searchIndexDefinition('gin_trgm_ops')}`,
  );
  return undefined;
}
