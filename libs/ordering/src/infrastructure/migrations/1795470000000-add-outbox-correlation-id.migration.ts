import { messagingTablesUpgradeSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Events keep the correlation id of the request that caused them, so their consumers' log lines carry it too. */
export class AddOrderingOutboxCorrelationId1795470000000 implements MigrationInterface {
  name = 'AddOrderingOutboxCorrelationId1795470000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUpgradeSql('ordering')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "ordering".outbox DROP COLUMN IF EXISTS correlation_id');
  }
}
