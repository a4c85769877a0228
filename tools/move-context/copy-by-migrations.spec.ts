import { Client } from 'pg';
import { createTestDatabase } from '../../test/harness/postgres';
import { describeWith } from '../../test/harness/services';
import { copyRows } from './copy-by-migrations';
import { MoveRefusal } from './move-request';

// What the migrations of a context make, in small: a table that refers to another whose name sorts after it, an
// identity, a bigserial, a generated column, and the types JSON could bend (a bigint above 2^53, a long numeric,
// microseconds, bytes, an array, a document).
const SCHEMA = `
  CREATE SCHEMA shop;
  CREATE TABLE shop.migrations (id serial PRIMARY KEY, name text NOT NULL);
  CREATE TABLE shop.orders (id uuid PRIMARY KEY, number bigint GENERATED ALWAYS AS IDENTITY, note text);
  CREATE TABLE shop.a_lines (
    position bigserial PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES shop.orders (id),
    big bigint, amount numeric(40, 0), at timestamptz, blob bytea, tags text[], document jsonb,
    doubled numeric GENERATED ALWAYS AS (amount * 2) STORED
  );
  INSERT INTO shop.migrations (name) VALUES ('CreateShop1');
`;

const ROWS = 2500;

async function connectedTo(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

async function rowsOf(client: Client, table: string): Promise<unknown[]> {
  const { rows } = await client.query(`SELECT to_json(t)::text AS row FROM shop.${table} t ORDER BY 1`);
  return rows;
}

describeWith(['postgres'])('copyRows, which moves a context out of the embedded database', () => {
  const databases: { url: string; drop: () => Promise<void> }[] = [];
  let source: Client;
  let target: Client;

  beforeEach(async () => {
    databases.push(await createTestDatabase(), await createTestDatabase());
    source = await connectedTo(databases.at(-2)!.url);
    target = await connectedTo(databases.at(-1)!.url);
    await source.query(SCHEMA);
    await target.query(SCHEMA);
    await source.query(`
      INSERT INTO shop.orders (id, note) SELECT gen_random_uuid(), 'order ' || n FROM generate_series(1, 3) AS n;
      INSERT INTO shop.a_lines (order_id, big, amount, at, blob, tags, document)
      SELECT (SELECT id FROM shop.orders ORDER BY number LIMIT 1 OFFSET n % 3), 9007199254740993 + n, 123456789012345678901234567890 + n,
             '2026-12-06 08:00:00.123456+01'::timestamptz + n * interval '1 second', '\\x00ff'::bytea, ARRAY['a', 'b"c'], jsonb_build_object('n', n, 'deep', jsonb_build_array(1.5, null))
        FROM generate_series(1, ${ROWS}) AS n;
      UPDATE shop.a_lines SET tags = NULL, document = NULL WHERE position = 7;
    `);
  });

  afterEach(async () => {
    await Promise.all([source.end(), target.end()].map((ending) => ending.catch(() => undefined)));
    for (const database of databases.splice(0)) await database.drop();
  });

  it('copies every row as it is, the referred table first, and sets the sequences where they stood', async () => {
    const report = await copyRows(source, target, 'shop', 'the new database');

    expect(report).toEqual([
      { name: 'a_lines', rows: ROWS },
      { name: 'orders', rows: 3 },
    ]);
    for (const table of ['orders', 'a_lines']) expect(await rowsOf(target, table)).toEqual(await rowsOf(source, table));
    const next = async (client: Client) => (await client.query(`INSERT INTO shop.orders (id) VALUES (gen_random_uuid()) RETURNING number`)).rows[0].number;
    expect(await next(target)).toBe(await next(source));
    const nextPosition = async (client: Client) => (await client.query(`SELECT nextval('shop.a_lines_position_seq') AS position`)).rows[0].position;
    expect(await nextPosition(target)).toBe(await nextPosition(source));
    expect((await target.query('SELECT count(*)::int AS count FROM shop.migrations')).rows[0].count).toBe(1);
  });

  it('refuses a new database whose tables hold rows, and leaves them as they were', async () => {
    await target.query(`INSERT INTO shop.orders (id, note) VALUES (gen_random_uuid(), 'written there first')`);

    const copy = copyRows(source, target, 'shop', 'the new database');

    await expect(copy).rejects.toThrow(MoveRefusal);
    await expect(copy).rejects.toThrow('the new database already holds rows in shop.orders: move into a database whose shop tables are empty');
    expect(await rowsOf(target, 'orders')).toEqual([{ row: expect.stringContaining('written there first') }]);
    expect(await rowsOf(target, 'a_lines')).toEqual([]);
  });

  it('leaves the new database without a row when it is cut off half-way, and a next try copies everything', async () => {
    const cutOffAt = 'INSERT INTO "shop"."a_lines"';
    const killer = await connectedTo(databases.at(-1)!.url);
    const { pid } = (await target.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0];
    const query = target.query.bind(target) as (...args: unknown[]) => Promise<unknown>;
    // As when the tool is killed: its connection ends, the orders already inserted, the lines on their way.
    (target as unknown as { query: typeof query }).query = async (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].startsWith(cutOffAt)) await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      return query(...args);
    };
    target.on('error', () => undefined);

    await expect(copyRows(source, target, 'shop', 'the new database')).rejects.toThrow();
    await killer.end();
    await source.query('ROLLBACK');

    target = await connectedTo(databases.at(-1)!.url);
    expect(await rowsOf(target, 'orders')).toEqual([]);
    expect((await copyRows(source, target, 'shop', 'the new database')).map((table) => table.rows)).toEqual([ROWS, 3]);
    expect(await rowsOf(target, 'a_lines')).toEqual(await rowsOf(source, 'a_lines'));
  });
});
