import { messagingTablesSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The order streams (append-only; the primary key (order_id, version) is the
 * optimistic lock), the orders projection with the indexes of the expiry
 * sweeper and of the lists, and the outbox, inbox and idempotency keys.
 */
export class CreateOrderingTables1795460000000 implements MigrationInterface {
  name = 'CreateOrderingTables1795460000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ordering.order_events (
        order_id    uuid        NOT NULL,
        version     integer     NOT NULL,
        type        text        NOT NULL,
        data        jsonb       NOT NULL,
        occurred_at timestamptz NOT NULL,
        CONSTRAINT order_events_pkey PRIMARY KEY (order_id, version),
        CONSTRAINT order_events_version_check CHECK (version >= 1)
      )`);
    await queryRunner.query(`
      CREATE TABLE ordering.orders (
        id                  uuid        NOT NULL,
        user_id             uuid        NOT NULL,
        status              text        NOT NULL,
        items               jsonb       NOT NULL,
        total_amount        bigint      NOT NULL,
        total_currency      char(3)     NOT NULL,
        payment_id          text,
        expires_at          timestamptz NOT NULL,
        cancellation_reason text,
        created_at          timestamptz NOT NULL,
        updated_at          timestamptz NOT NULL,
        version             integer     NOT NULL,
        CONSTRAINT orders_pkey PRIMARY KEY (id),
        CONSTRAINT orders_status_check CHECK (status IN ('AWAITING_PAYMENT', 'CONFIRMED', 'CANCELLED')),
        CONSTRAINT orders_cancellation_reason_check
          CHECK (cancellation_reason IN ('CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_ADMIN', 'PAYMENT_EXPIRED')),
        CONSTRAINT orders_cancelled_has_reason_check CHECK ((status = 'CANCELLED') = (cancellation_reason IS NOT NULL)),
        CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0),
        CONSTRAINT orders_version_check CHECK (version >= 1)
      )`);
    await queryRunner.query('CREATE INDEX orders_status_expires_at_idx ON ordering.orders (status, expires_at)');
    await queryRunner.query('CREATE INDEX orders_user_id_created_at_idx ON ordering.orders (user_id, created_at, id)');
    await queryRunner.query('CREATE INDEX orders_created_at_id_idx ON ordering.orders (created_at, id)');
    for (const sql of messagingTablesSql('ordering')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ordering.idempotency_keys, ordering.inbox, ordering.outbox, ordering.orders, ordering.order_events');
  }
}
