import { idempotencyResourceSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The intents of orders being placed, kept until each placement ends (ADR
 * 0005), with the index recovery looks them up by; and idempotency keys bound
 * to the order they place, so that a key's answer commits with the order.
 */
export class CreateOrderPlacements1795480000000 implements MigrationInterface {
  name = 'CreateOrderPlacements1795480000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ordering.order_placements (
        order_id      uuid        NOT NULL,
        user_id       uuid        NOT NULL,
        lines         jsonb       NOT NULL,
        stage         text        NOT NULL,
        created_at    timestamptz NOT NULL,
        recover_after timestamptz NOT NULL,
        attempts      integer     NOT NULL DEFAULT 0,
        CONSTRAINT order_placements_pkey PRIMARY KEY (order_id),
        CONSTRAINT order_placements_stage_check CHECK (stage IN ('PLACING', 'COMPENSATING'))
      )`);
    await queryRunner.query('CREATE INDEX order_placements_recover_after_idx ON ordering.order_placements (recover_after)');
    for (const sql of idempotencyResourceSql('ordering')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ordering.order_placements');
    await queryRunner.query('ALTER TABLE ordering.idempotency_keys DROP COLUMN resource_id');
  }
}
