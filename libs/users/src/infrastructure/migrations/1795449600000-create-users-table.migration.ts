import { MigrationInterface, QueryRunner } from 'typeorm';

/** The users table, its unique email index and the index that serves listing in registration order. */
export class CreateUsersTable1795449600000 implements MigrationInterface {
  name = 'CreateUsersTable1795449600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users"."users" (
        "id" uuid NOT NULL,
        "email" text NOT NULL,
        "name" text NOT NULL,
        "password_hash" text NOT NULL,
        "role" text NOT NULL,
        "status" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "version" integer NOT NULL,
        CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "users_role_check" CHECK ("role" IN ('customer', 'admin')),
        CONSTRAINT "users_status_check" CHECK ("status" IN ('active', 'inactive')),
        CONSTRAINT "users_version_check" CHECK ("version" >= 1)
      )
    `);
    await queryRunner.query(`CREATE UNIQUE INDEX "users_email_key" ON "users"."users" ("email")`);
    await queryRunner.query(`CREATE INDEX "users_created_at_id_idx" ON "users"."users" ("created_at", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "users"."users"`);
  }
}
