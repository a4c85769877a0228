import { deadLettersSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The deliveries the users context failed to process, and its dead letters, for operators to see and replay. */
export class CreateUsersDeadLetters1795490000000 implements MigrationInterface {
  name = 'CreateUsersDeadLetters1795490000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of deadLettersSql('users')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE users.dead_letters');
  }
}
