import { DataSource, QueryFailedError } from 'typeorm';
import { startEmbeddedTestDatabase } from '../../../../test/harness/embedded-database';
import { createTestDatabase } from '../../../../test/harness/postgres';
import { describeWith } from '../../../../test/harness/services';
import { preparedQuery } from './prepared-query';

const STOCK_OF = 'SELECT id, quantity FROM stock WHERE id = ANY($1::int[]) ORDER BY id';

async function createStock(dataSource: DataSource): Promise<void> {
  await dataSource.query('CREATE TABLE stock (id int PRIMARY KEY, quantity int NOT NULL)');
  await dataSource.query('INSERT INTO stock VALUES (1, 5), (2, 7), (3, 0)');
}

/** What the statements each call shares must not carry: one call's values, or its rows, into another's. */
async function expectEachCallItsOwnRows(dataSource: DataSource): Promise<void> {
  const asked = [[1], [2, 3], [3], [1, 2, 3], []];
  const answers = await Promise.all(asked.map((ids) => preparedQuery<{ id: number; quantity: number }>(dataSource, STOCK_OF, [ids])));
  const quantities: Record<number, number> = { 1: 5, 2: 7, 3: 0 };
  expect(answers).toEqual(asked.map((ids) => ids.map((id) => ({ id, quantity: quantities[id] }))));
}

describeWith(['postgres'])('preparedQuery on Postgres', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection, so that what it has prepared is what every call ran on.
    dataSource = await new DataSource({ type: 'postgres', url: database.url, extra: { max: 1 } }).initialize();
    await createStock(dataSource);
  }, 30_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  }, 30_000);

  it('answers each call the rows of its own values, concurrent calls of one statement included', async () => {
    await expectEachCallItsOwnRows(dataSource);
  });

  it('prepares a statement once per connection, under a name that is the same for the same text', async () => {
    await preparedQuery(dataSource, STOCK_OF, [[1]]);
    await preparedQuery(dataSource, STOCK_OF, [[2]]);
    const prepared = await dataSource.query<{ name: string; statement: string }[]>('SELECT name, statement FROM pg_prepared_statements WHERE statement = $1', [
      STOCK_OF,
    ]);
    expect(prepared).toEqual([{ name: expect.stringMatching(/^t_[0-9a-f]{40}$/), statement: STOCK_OF }]);
  });

  it('keeps apart statements whose texts are as long as each other, built anew on every call', async () => {
    const answering = (expression: 'id * 100' | 'quantity') => ['SELECT', `${expression} AS answer`, 'FROM stock WHERE id = $1'].join(' ');
    expect(answering('id * 100')).toHaveLength(answering('quantity').length);
    for (let call = 0; call < 2; call++) {
      await expect(preparedQuery(dataSource, answering('id * 100'), [2])).resolves.toEqual([{ answer: 200 }]);
      await expect(preparedQuery(dataSource, answering('quantity'), [2])).resolves.toEqual([{ answer: 7 }]);
    }
    const prepared = await dataSource.query<{ name: string }[]>('SELECT name FROM pg_prepared_statements WHERE statement = ANY($1)', [
      [answering('id * 100'), answering('quantity')],
    ]);
    expect(new Set(prepared.map(({ name }) => name)).size).toBe(2);
  });

  it("runs inside the manager's transaction, and fails as TypeORM's query does", async () => {
    await dataSource
      .transaction(async (manager) => {
        await manager.query('UPDATE stock SET quantity = 9 WHERE id = 1');
        await expect(preparedQuery(manager, STOCK_OF, [[1]])).resolves.toEqual([{ id: 1, quantity: 9 }]);
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await expect(preparedQuery(dataSource, STOCK_OF, [[1]])).resolves.toEqual([{ id: 1, quantity: 5 }]);
    const refused = preparedQuery(dataSource, 'INSERT INTO stock VALUES ($1, $2)', [1, 1]);
    await expect(refused).rejects.toBeInstanceOf(QueryFailedError);
    await expect(refused).rejects.toMatchObject({ driverError: { code: '23505' } });
  });
});

describe('preparedQuery on the embedded database', () => {
  let database: { dataSource: DataSource; drop: () => Promise<void> };

  beforeAll(async () => {
    database = await startEmbeddedTestDatabase();
    await createStock(database.dataSource);
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
  }, 30_000);

  it('answers each call the rows of its own values, and prepares nothing, as the DataSource asks', async () => {
    await expectEachCallItsOwnRows(database.dataSource);
    await expect(database.dataSource.query('SELECT name FROM pg_prepared_statements')).resolves.toEqual([]);
  });
});
