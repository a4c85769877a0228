import { deadLettersSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The deliveries the payments context failed to process, and its dead letters, for operators to see and replay. */
export class CreatePaymentsDeadLetters1795490000000 implements MigrationInterface {
  name = 'CreatePaymentsDeadLetters1795490000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of deadLettersSql('payments')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE payments.dead_letters');
  }
}
