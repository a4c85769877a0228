import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The payment timeout a placement was begun with, from which the catalog's
 * hold and the order's expiry are both derived, whichever attempt reserves
 * and stores it. Nullable: a process older than this column, still running
 * during a rolling upgrade, begins placements without it.
 */
export class AddPlacementPaymentTimeout1795520000000 implements MigrationInterface {
  name = 'AddPlacementPaymentTimeout1795520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE ordering.order_placements ADD COLUMN payment_timeout_seconds integer');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE ordering.order_placements DROP COLUMN payment_timeout_seconds');
  }
}
