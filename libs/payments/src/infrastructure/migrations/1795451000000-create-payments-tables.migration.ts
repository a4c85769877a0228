import { messagingTablesSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The payments table and the context's outbox, inbox and idempotency keys.
 * The partial unique index is what makes an order chargeable at most once:
 * whatever runs concurrently, the database refuses a second PENDING or
 * SUCCEEDED payment for one order (FAILED and REFUNDED ones do not count).
 */
export class CreatePaymentsTables1795451000000 implements MigrationInterface {
  name = 'CreatePaymentsTables1795451000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payments.payments (
        id                 uuid        PRIMARY KEY,
        order_id           uuid        NOT NULL,
        user_id            uuid        NOT NULL,
        amount             bigint      NOT NULL,
        currency           char(3)     NOT NULL,
        payment_method     text        NOT NULL,
        status             text        NOT NULL,
        failure_reason     text,
        provider_reference text,
        created_at         timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL,
        version            integer     NOT NULL,
        CONSTRAINT payments_status_check CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED')),
        CONSTRAINT payments_amount_not_negative CHECK (amount >= 0),
        CONSTRAINT payments_failure_reason_iff_failed CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL)),
        CONSTRAINT payments_charged_has_reference CHECK (status NOT IN ('SUCCEEDED', 'REFUNDED') OR provider_reference IS NOT NULL),
        CONSTRAINT payments_version_check CHECK (version >= 1)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX payments_order_id_active_key ON payments.payments (order_id) WHERE status IN ('PENDING', 'SUCCEEDED')`);
    await queryRunner.query(`CREATE INDEX payments_pending_created_at_idx ON payments.payments (created_at) WHERE status = 'PENDING'`);
    for (const sql of messagingTablesSql('payments')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS payments.idempotency_keys, payments.inbox, payments.outbox');
    await queryRunner.query('DROP TABLE payments.payments');
  }
}
