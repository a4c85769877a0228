import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { createTestDatabase } from '../../../../test/harness/postgres';
import { describeWith } from '../../../../test/harness/services';
import { contextDataSourceOptions, migrateContextSchema } from './context-database.module';

/** Slow enough that the other replica is already waiting for the lock when the index is built. */
class CreateProbeTable1700000000000 implements MigrationInterface {
  name = 'CreateProbeTable1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE "catalog".probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
    await queryRunner.query('SELECT pg_sleep(0.5)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "catalog".probe');
  }
}

/** An index built as the retention's are: CONCURRENTLY, which waits for every older snapshot in the database to end. */
class IndexProbeConcurrently1700000000001 implements MigrationInterface {
  name = 'IndexProbeConcurrently1700000000001';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX CONCURRENTLY IF NOT EXISTS probe_at ON "catalog".probe (at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "catalog".probe_at');
  }
}

describeWith(['postgres'])('migrating a context on a shared server', () => {
  let database: { url: string; drop: () => Promise<void> };
  const replicas: DataSource[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.destroy()));
    await database?.drop();
  });

  it('lets replicas that start together migrate one after the other, an index built concurrently among the migrations', async () => {
    for (let i = 0; i < 2; i++)
      replicas.push(
        await new DataSource({
          ...contextDataSourceOptions({ context: 'catalog', entities: [], migrations: [CreateProbeTable1700000000000, IndexProbeConcurrently1700000000001] }),
          url: database.url,
          extra: { max: 2 },
        }).initialize(),
      );

    // Each waiting for the other never ends by itself, so the spec says so rather than waiting out jest's timeout.
    let stuck: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      stuck = setTimeout(() => reject(new Error('the replicas still migrate after 20 s: each waits for the other')), 20_000);
    });
    try {
      await Promise.race([Promise.all(replicas.map((replica) => migrateContextSchema(replica, 'catalog', true))), hung]);
    } finally {
      clearTimeout(stuck);
    }

    const applied = (await replicas[0].query('SELECT name FROM "catalog".migrations ORDER BY id')) as { name: string }[];
    expect(applied.map((row) => row.name)).toEqual(['CreateProbeTable1700000000000', 'IndexProbeConcurrently1700000000001']);
    const [index] = (await replicas[0].query(`SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = '"catalog".probe_at'::regclass`)) as {
      valid: boolean;
    }[];
    expect(index.valid).toBe(true);
  }, 30_000);
});
