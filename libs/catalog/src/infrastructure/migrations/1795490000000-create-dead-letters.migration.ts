import { deadLettersSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The deliveries the catalog context failed to process, and its dead letters, for operators to see and replay. */
export class CreateCatalogDeadLetters1795490000000 implements MigrationInterface {
  name = 'CreateCatalogDeadLetters1795490000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of deadLettersSql('catalog')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE catalog.dead_letters');
  }
}
