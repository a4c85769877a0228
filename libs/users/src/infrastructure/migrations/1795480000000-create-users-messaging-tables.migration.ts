import { idempotencyResourceSql, messagingTablesSql, messagingTablesUpgradeSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The users outbox (and inbox and idempotency keys, as every context has): users events leave only with the change that made them. */
export class CreateUsersMessagingTables1795480000000 implements MigrationInterface {
  name = 'CreateUsersMessagingTables1795480000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [...messagingTablesSql('users'), ...messagingTablesUpgradeSql('users'), ...idempotencyResourceSql('users')]) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE users.idempotency_keys, users.inbox, users.outbox');
  }
}
