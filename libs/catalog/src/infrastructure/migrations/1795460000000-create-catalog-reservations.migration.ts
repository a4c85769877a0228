import { messagingTablesSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reservations of stock for orders, and the catalog's outbox, inbox and
 * idempotency keys. A reservation's units are out of catalog.products.stock
 * while it is RESERVED or COMMITTED; its lines keep the name and price the
 * products had when it was made.
 */
export class CreateCatalogReservations1795460000000 implements MigrationInterface {
  name = 'CreateCatalogReservations1795460000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE catalog.reservations (
        reservation_id uuid        PRIMARY KEY,
        status         text        NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT reservations_status_known CHECK (status IN ('RESERVED', 'COMMITTED', 'RELEASED'))
      )`);
    await queryRunner.query(`
      CREATE TABLE catalog.reservation_lines (
        reservation_id      uuid    NOT NULL REFERENCES catalog.reservations (reservation_id),
        product_id          uuid    NOT NULL REFERENCES catalog.products (id),
        sku                 text    NOT NULL,
        name                text    NOT NULL,
        unit_price_amount   bigint  NOT NULL,
        unit_price_currency char(3) NOT NULL,
        quantity            integer NOT NULL,
        PRIMARY KEY (reservation_id, product_id),
        CONSTRAINT reservation_lines_quantity_positive CHECK (quantity > 0),
        CONSTRAINT reservation_lines_unit_price_amount_not_negative CHECK (unit_price_amount >= 0)
      )`);
    await queryRunner.query('CREATE INDEX reservation_lines_product_id_idx ON catalog.reservation_lines (product_id)');
    for (const sql of messagingTablesSql('catalog')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS catalog.idempotency_keys, catalog.inbox, catalog.outbox');
    await queryRunner.query('DROP TABLE catalog.reservation_lines, catalog.reservations');
  }
}
