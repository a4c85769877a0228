import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ordering's read model of its customers' standing (ADR 0015). It starts
 * empty: a user who ordered before it existed is asked of users once, at
 * their next order.
 */
export class CreateCustomers1795510000000 implements MigrationInterface {
  name = 'CreateCustomers1795510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ordering.customers (
        user_id     uuid        NOT NULL,
        active      boolean     NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT customers_pkey PRIMARY KEY (user_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ordering.customers');
  }
}
