import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The products table. `stock` is what can be bought now; reservations for
 * orders will take units out of it into their own table, so this table stays as it is.
 */
export class CreateCatalogProducts1795450000000 implements MigrationInterface {
  name = 'CreateCatalogProducts1795450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE catalog.products (
        id             uuid        PRIMARY KEY,
        sku            text        NOT NULL,
        name           text        NOT NULL,
        description    text        NOT NULL DEFAULT '',
        price_amount   bigint      NOT NULL,
        price_currency char(3)     NOT NULL,
        stock          integer     NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        version        integer     NOT NULL DEFAULT 1,
        CONSTRAINT products_stock_not_negative CHECK (stock >= 0),
        CONSTRAINT products_price_amount_not_negative CHECK (price_amount >= 0)
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX products_sku_lower_key ON catalog.products (lower(sku))');
    await queryRunner.query('CREATE INDEX products_name_lower_id_idx ON catalog.products ((lower(name) COLLATE "C"), id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE catalog.products');
  }
}
