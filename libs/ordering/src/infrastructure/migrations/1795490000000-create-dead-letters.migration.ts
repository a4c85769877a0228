import { deadLettersSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The deliveries the ordering context failed to process, and its dead letters, for operators to see and replay. */
export class CreateOrderingDeadLetters1795490000000 implements MigrationInterface {
  name = 'CreateOrderingDeadLetters1795490000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of deadLettersSql('ordering')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ordering.dead_letters');
  }
}
