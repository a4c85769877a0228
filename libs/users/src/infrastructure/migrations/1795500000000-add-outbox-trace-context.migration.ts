import { outboxTraceContextSql } from '@tessera/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Events keep the trace context of the span that wrote them, so their publication joins that trace when relayed later. */
export class AddUsersOutboxTraceContext1795500000000 implements MigrationInterface {
  name = 'AddUsersOutboxTraceContext1795500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of outboxTraceContextSql('users')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "users".outbox DROP COLUMN IF EXISTS trace_context');
  }
}
