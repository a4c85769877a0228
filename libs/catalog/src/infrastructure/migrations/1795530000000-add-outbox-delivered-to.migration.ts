import { outboxDeliveredToSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Events remember the subscribers that took them, so that a retry goes only to the ones that did not (ADR 0018). */
export class AddCatalogOutboxDeliveredTo1795530000000 implements MigrationInterface {
  name = 'AddCatalogOutboxDeliveredTo1795530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of outboxDeliveredToSql('catalog')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "catalog".outbox DROP COLUMN IF EXISTS delivered_to');
  }
}
