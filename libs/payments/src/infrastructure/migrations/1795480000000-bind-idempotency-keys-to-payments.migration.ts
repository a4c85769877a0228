import { idempotencyResourceSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Idempotency keys bound to the payment they charge, so that a key's answer commits with the payment's outcome (ADR 0005). */
export class BindIdempotencyKeysToPayments1795480000000 implements MigrationInterface {
  name = 'BindIdempotencyKeysToPayments1795480000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of idempotencyResourceSql('payments')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE payments.idempotency_keys DROP COLUMN resource_id');
  }
}
