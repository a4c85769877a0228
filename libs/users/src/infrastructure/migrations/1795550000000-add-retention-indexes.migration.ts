import { createRetentionIndexesConcurrently, dropRetentionIndexesSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention purge finds old outbox, inbox and idempotency rows by index rather than by reading each table whole
 * every ten minutes. Outside a transaction, so that the indexes are built without blocking writes to tables that may be
 * large; a start killed meanwhile builds them again (createRetentionIndexesConcurrently).
 */
export class AddUsersRetentionIndexes1795550000000 implements MigrationInterface {
  name = 'AddUsersRetentionIndexes1795550000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createRetentionIndexesConcurrently(queryRunner, 'users');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of dropRetentionIndexesSql('users')) await queryRunner.query(sql);
  }
}
