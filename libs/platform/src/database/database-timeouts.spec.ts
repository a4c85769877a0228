import { isDatabaseUnavailable } from '@tessera/messaging';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../../test/harness/postgres';
import { describeWith } from '../../../../test/harness/services';
import { untilPasses } from '../../../../test/harness/eventually';
import { servingClient, servingPoolOptions, UnansweredQueryError } from './database-timeouts';

/**
 * A Postgres that lets clients in and answers each simple query with an empty result until `silence`, and nothing
 * after it, as one behind a network partition: what was sent neither answered nor refused.
 */
async function fakePostgres() {
  const connections: Socket[] = [];
  let answering = true;
  const server: Server = createServer((socket) => {
    connections.push(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.write(Buffer.concat([AUTHENTICATION_OK, READY_FOR_QUERY]));
      socket.on('data', (message: Buffer) => {
        if (answering && message[0] === QUERY) socket.write(Buffer.concat([SELECT_COMPLETE, READY_FOR_QUERY]));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    silence: () => (answering = false),
    open: () => connections.filter((socket) => !socket.destroyed && !socket.readableEnded).length,
    close: async () => {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const AUTHENTICATION_OK = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
const SELECT_COMPLETE = Buffer.concat([Buffer.from([0x43, 0, 0, 0, 13]), Buffer.from('SELECT 0\0')]);
const QUERY = 0x51;

describe('a query on a client answering within a deadline', () => {
  it('answers as usual in time; unanswered, it fails as the database being unavailable and its connection is closed for good', async () => {
    const postgres = await fakePostgres();
    const gaveUp = jest.fn();
    const pool = new Pool({ host: '127.0.0.1', port: postgres.port, user: 'shop', max: 1, Client: servingClient({ answerDeadlineMs: 300, gaveUp }) });
    try {
      // As TypeORM does: a client of its own, the promise form of query, released once the query settled.
      const client = await pool.connect();
      expect((await client.query('SELECT 1')).rows).toEqual([]);
      client.release();
      expect(pool.totalCount).toBe(1);

      postgres.silence();
      const same = await pool.connect();
      const failure = await same.query('SELECT 1').then(
        () => undefined,
        (error: unknown) => error,
      );
      same.release();

      expect(failure).toBeInstanceOf(UnansweredQueryError);
      expect(gaveUp.mock.calls).toEqual([['unanswered']]);
      expect(isDatabaseUnavailable(failure)).toBe(true);
      expect(pool.totalCount).toBe(0);
      await untilPasses(() => expect(postgres.open()).toBe(0), 10_000, 20);

      // The next one gets a connection of its own, so the server is tried again rather than the dead link.
      const next = await pool.connect();
      expect(postgres.connections).toHaveLength(2);
      next.release();
    } finally {
      await pool.end();
      await postgres.close();
    }
  }, 20_000);

  it('bounds alike a statement sent through the pool’s own query, as preparedQuery sends the order flow’s', async () => {
    const postgres = await fakePostgres();
    const gaveUp = jest.fn();
    const pool = new Pool({ host: '127.0.0.1', port: postgres.port, user: 'shop', max: 1, Client: servingClient({ answerDeadlineMs: 300, gaveUp }) });
    try {
      expect((await pool.query('SELECT 1')).rows).toEqual([]);

      postgres.silence();
      const failure = await pool.query('SELECT 1').then(
        () => undefined,
        (error: unknown) => error,
      );

      expect(failure).toBeInstanceOf(UnansweredQueryError);
      expect(gaveUp.mock.calls).toEqual([['unanswered']]);
      expect(pool.totalCount).toBe(0);
      await untilPasses(() => expect(postgres.open()).toBe(0), 10_000, 20);
    } finally {
      await pool.end();
      await postgres.close();
    }
  }, 20_000);
});

describe('the serving pool options', () => {
  it('bound the statement, an idle transaction, the wait for a connection, and the answer a little later', () => {
    const options = servingPoolOptions(3_000);
    expect(options).toMatchObject({ statement_timeout: 3_000, idle_in_transaction_session_timeout: 3_000, connectionTimeoutMillis: 3_000 });
    expect(options.Client).toBeDefined();
  });

  it('set no bound at 0, as Postgres reads a statement_timeout of 0', () => {
    expect(servingPoolOptions(0)).toEqual({ max: 10, Client: expect.any(Function) });
  });

  it('open at most the connections they are given, with or without the bounds', () => {
    expect(servingPoolOptions(3_000, undefined, 4)).toMatchObject({ max: 4 });
    expect(servingPoolOptions(0, undefined, 4)).toMatchObject({ max: 4 });
  });
});

describeWith(['postgres'])('a serving pool on Postgres', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  const gaveUp = jest.fn();

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource({ type: 'postgres', url: database.url, extra: { ...servingPoolOptions(300, gaveUp), max: 2 } }).initialize();
    await dataSource.query('CREATE TABLE stock (id int PRIMARY KEY, quantity int NOT NULL)');
    await dataSource.query('INSERT INTO stock VALUES (1, 5)');
  }, 30_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  }, 30_000);

  it('has a statement that runs past the timeout cancelled by the server, as unavailable, and keeps serving on the same connection', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const backend = (await runner.query('SELECT pg_backend_pid() AS pid'))[0].pid;
      const failure = await runner.query('SELECT pg_sleep(5)').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((failure as { code?: string }).code).toBe('57014');
      expect(isDatabaseUnavailable(failure)).toBe(true);
      expect((await runner.query('SELECT pg_backend_pid() AS pid'))[0].pid).toBe(backend);
    } finally {
      await runner.release();
    }
  }, 30_000);

  it('gives up a connection whose server refused a write as read-only, as a standby reached after a failover does, and writes on a new one', async () => {
    const stale = dataSource.createQueryRunner();
    const staleBackend = (await stale.query('SELECT pg_backend_pid() AS pid'))[0].pid;
    // What this session now is, a standby's sessions all are: a write is refused, a read served.
    await stale.query('SET default_transaction_read_only = on');
    const failure = await stale.query('UPDATE stock SET quantity = quantity WHERE id = 1').then(
      () => undefined,
      (error: unknown) => error,
    );
    await stale.release();

    expect((failure as { code?: string }).code).toBe('25006');
    expect(gaveUp).toHaveBeenCalledWith('read_only');
    expect(isDatabaseUnavailable(failure)).toBe(true);
    await untilPasses(async () => expect(await dataSource.query('SELECT pid FROM pg_stat_activity WHERE pid = $1', [staleBackend])).toEqual([]), 10_000, 50);
    await expect(dataSource.query('UPDATE stock SET quantity = quantity WHERE id = 1')).resolves.toBeDefined();
  }, 30_000);

  it('gives up alike a read-only connection of a statement sent through the pool’s own query', async () => {
    const gaveUpHere = jest.fn();
    // Every session of this pool is what a standby's are.
    const standby = new Pool({
      connectionString: database.url,
      options: '-c default_transaction_read_only=on',
      ...servingPoolOptions(3_000, gaveUpHere),
      max: 1,
    });
    try {
      const failure = await standby.query('UPDATE stock SET quantity = quantity WHERE id = 1').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((failure as { code?: string }).code).toBe('25006');
      expect(gaveUpHere.mock.calls).toEqual([['read_only']]);
      expect(standby.totalCount).toBe(0);
    } finally {
      await standby.end();
    }
  }, 30_000);

  it('frees the locks of a transaction left idle past the timeout, as a process cut off mid-transaction would leave it', async () => {
    const abandoned = dataSource.createQueryRunner();
    await abandoned.startTransaction();
    await abandoned.query('SELECT quantity FROM stock WHERE id = 1 FOR UPDATE');

    // Another connection takes the row once the server ended the idle session: before, it would wait for good.
    await untilPasses(
      async () => {
        const rows = await dataSource.query('UPDATE stock SET quantity = quantity - 1 WHERE id = 1 RETURNING quantity');
        expect(rows[0][0].quantity).toBe(4);
      },
      15_000,
      100,
    );
    const failure = await abandoned.query('SELECT 1').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isDatabaseUnavailable(failure)).toBe(true);
    await abandoned.release();
  }, 30_000);
});
