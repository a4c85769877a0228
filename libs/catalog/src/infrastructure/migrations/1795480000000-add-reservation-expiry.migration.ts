import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A reservation holds its units only until `expires_at`: the catalog's
 * sweeper releases the RESERVED ones past it (through the partial index), so
 * that a caller that never comes back cannot keep stock out of sale.
 * `released_by_expiry` tells such a release from one that was asked for.
 */
export class AddCatalogReservationExpiry1795480000000 implements MigrationInterface {
  name = 'AddCatalogReservationExpiry1795480000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE catalog.reservations ADD COLUMN expires_at timestamptz');
    // The hold a reservation gets when its caller names none (1800 s), written out: a migration must mean the same
    // thing forever, whatever the code's default becomes.
    await queryRunner.query(`UPDATE catalog.reservations SET expires_at = created_at + interval '1800 seconds'`);
    // A process of the previous version, still running during a rolling upgrade, reserves without naming an expiry.
    await queryRunner.query(`ALTER TABLE catalog.reservations ALTER COLUMN expires_at SET DEFAULT now() + interval '1800 seconds'`);
    await queryRunner.query('ALTER TABLE catalog.reservations ALTER COLUMN expires_at SET NOT NULL');
    await queryRunner.query('ALTER TABLE catalog.reservations ADD COLUMN released_by_expiry boolean NOT NULL DEFAULT false');
    await queryRunner.query(`CREATE INDEX reservations_reserved_expires_at_idx ON catalog.reservations (expires_at, reservation_id) WHERE status = 'RESERVED'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX catalog.reservations_reserved_expires_at_idx');
    await queryRunner.query('ALTER TABLE catalog.reservations DROP COLUMN released_by_expiry, DROP COLUMN expires_at');
  }
}
