import { deadLetterOutagesSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A delivery's failures that were an outage of what its handler needed are counted apart, and make no dead letter (ADR 0020). */
export class AddUsersDeadLetterOutages1795540000000 implements MigrationInterface {
  name = 'AddUsersDeadLetterOutages1795540000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of deadLetterOutagesSql('users')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "users".dead_letters DROP COLUMN IF EXISTS outages');
  }
}
