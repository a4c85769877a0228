import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { createTestDatabase } from '../harness/postgres';
import { ROOT } from '../harness/processes';
import { CONTEXT_NAMES, type ContextName } from '@tessera/contracts';
import { PAYMENTS_MIGRATIONS } from '@tessera/payments';
import { contextDataSourceOptions, migrateContextSchema } from '@tessera/platform';
import { DataSource } from 'typeorm';
import { describeWith, RunningTopology, startMonolithOnDatabase, startMonolithOnEmbeddedFolder } from '../harness/topologies';
import { shelfAndBuyer } from './shelf-and-buyer';

const run = promisify(execFile);

/**
 * `npm run move-context -- <args>` but for its build, which the suite's beforeAll has made: exit code and output.
 * `env` replaces variables of the test's environment (PATH, to give it other client tools).
 */
async function moveContext(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const options = { cwd: ROOT, timeout: 60_000, env: { ...process.env, ...env } };
  return run(process.execPath, [join(ROOT, 'dist', 'tools', 'move-context', 'main.js'), ...args], options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** A folder whose `pg_dump` answers as one older than the server does, to put first on the PATH. */
function olderPgDump(): string {
  const folder = mkdtempSync(join(tmpdir(), 'tessera-old-pg-dump-'));
  const script = [
    '#!/bin/sh',
    'echo "pg_dump: error: aborting because of server version mismatch" >&2',
    'echo "pg_dump: detail: server version: 16.4; pg_dump version: 15.8" >&2',
    'exit 1',
  ];
  writeFileSync(join(folder, 'pg_dump'), `${script.join('\n')}\n`, { mode: 0o755 });
  return folder;
}

/** Gives the database at `url` the context's schema, made by its migrations, with no rows. */
async function migrated(url: string, context: ContextName, migrations: (new () => unknown)[]): Promise<void> {
  const dataSource = await new DataSource({ ...contextDataSourceOptions({ context, entities: [], migrations }), url }).initialize();
  try {
    await migrateContextSchema(dataSource, context, true);
  } finally {
    await dataSource.destroy();
  }
}

/** The application names of the connections open on the database at `url`, each with how many there are. */
async function connectionsOn(url: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; count: number }>(
      `SELECT application_name AS name, count(*)::int AS count FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'tessera-%' GROUP BY 1`,
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.count]));
  } finally {
    await client.end();
  }
}

// The monolith on one Postgres database, two of whose contexts are then given databases of their own, as a team does
// the day a context needs its own scale: ordering, and the catalog, whose search index needs an extension that a dump
// of its schema alone leaves out.
describeWith(['postgres'])('a context moved to a database of its own with npm run move-context', () => {
  const databases: { url: string; drop: () => Promise<void> }[] = [];
  let topology: RunningTopology | undefined;
  let embeddedFolder: string | undefined;

  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'node_modules', '@swc', 'cli', 'bin', 'swc.js'), 'tools/move-context', '-d', 'dist', '--ignore', '**/*.spec.ts'], {
      cwd: ROOT,
    });
    // The first test's shared database and its three new ones, then the second test's.
    for (let n = 0; n < 5; n++) databases.push(await createTestDatabase());
  }, 60_000);

  afterEach(async () => {
    await topology?.stop();
    topology = undefined;
  }, 60_000);

  afterAll(async () => {
    for (const database of databases) await database.drop();
    if (embeddedFolder) rmSync(embeddedFolder, { recursive: true, force: true });
  }, 60_000);

  it("serves every order, stock level and idempotency key from the new databases, and the catalog's search with its index", async () => {
    const [shared, orderingDatabase, catalogDatabase, paymentsDatabase] = databases.map((database) => database.url);
    topology = await startMonolithOnDatabase(shared, 'move-context-before');
    let api = await new Api(topology.baseUrl).holdingToOpenApi();
    const { productId, token } = await shelfAndBuyer(api, 'moved', 10);
    const confirmed = await api.post('/orders', { items: [{ productId, quantity: 2 }] }, { token });
    expect((await api.post('/payments', { orderId: confirmed.body.id, paymentMethod: 'pm_card_visa' }, { token })).status).toBe(201);
    const unpaidOrder = { items: [{ productId, quantity: 1 }] };
    const unpaid = await api.post('/orders', unpaidOrder, { token, headers: { 'idempotency-key': 'moved-unpaid' } });
    expect(unpaid.status).toBe(201);

    const refused = await moveContext(['ordering', shared, orderingDatabase]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/connection\(s\) of tessera-ordering are open on .*: stop every process that hosts ordering first/);

    await topology.stop();
    const orderingMoved = await moveContext(['ordering', shared, orderingDatabase]);
    expect(orderingMoved).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Copied the ordering schema into the new database:/) });
    // The catalog with a pg_dump older than the server, as Debian's 15 is for a Postgres 16: made by its migrations instead.
    const oldPgDump = olderPgDump();
    const catalogMoved = await moveContext(['catalog', shared, catalogDatabase], { PATH: `${oldPgDump}:${process.env.PATH}` }).finally(() =>
      rmSync(oldPgDump, { recursive: true, force: true }),
    );
    expect(catalogMoved).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^pg_dump failed \(exit 1\): pg_dump: error: aborting because of server version mismatch; .*; so the schema was made by the context's migrations, and its rows copied\.\nCopied the catalog schema, with the extension\(s\) pg_trgm,/,
      ),
    });
    expect((await moveContext(['catalog', shared, catalogDatabase])).stderr).toMatch(/already holds rows in catalog\./);
    // Payments into a database that has its schema without rows, as a copy by migrations stopped before its commit
    // leaves it: the next try completes the copy.
    await migrated(paymentsDatabase, 'payments', PAYMENTS_MIGRATIONS);
    const paymentsMoved = await moveContext(['payments', shared, paymentsDatabase]);
    expect(paymentsMoved).toMatchObject({ code: 0, stdout: expect.stringMatching(/already has the payments schema, with no rows; so the schema was made by/) });

    topology = await startMonolithOnDatabase(shared, 'move-context-after', {
      ORDERING_DATABASE_URL: orderingDatabase,
      CATALOG_DATABASE_URL: catalogDatabase,
      PAYMENTS_DATABASE_URL: paymentsDatabase,
    });
    api = await new Api(topology.baseUrl).holdingToOpenApi();
    expect((await api.get(`/orders/${confirmed.body.id}`, { token })).body.status).toBe('CONFIRMED');
    const replayed = await api.post('/orders', unpaidOrder, { token, headers: { 'idempotency-key': 'moved-unpaid' } });
    expect([replayed.status, replayed.body.id]).toEqual([201, unpaid.body.id]);
    expect((await api.post('/payments', { orderId: unpaid.body.id, paymentMethod: 'pm_card_visa' }, { token })).status).toBe(201);
    await untilPasses(async () => expect((await api.get(`/orders/${unpaid.body.id}`, { token })).body.status).toBe('CONFIRMED'), 30_000, 250);
    expect((await api.get(`/products/${productId}`)).body.stock).toBe(7);
    expect((await api.get('/products?q=moved%20item')).body.items.map((item: { id: string }) => item.id)).toContain(productId);

    // Served from the new databases, not from the schemas the old one still holds.
    expect(await connectionsOn(shared)).not.toHaveProperty('tessera-ordering');
    expect(await connectionsOn(shared)).not.toHaveProperty('tessera-catalog');
    expect(await connectionsOn(shared)).not.toHaveProperty('tessera-payments');
    expect(await connectionsOn(paymentsDatabase)).toHaveProperty('tessera-payments');
    expect(await connectionsOn(orderingDatabase)).toHaveProperty('tessera-ordering');
    expect(await connectionsOn(catalogDatabase)).toHaveProperty('tessera-catalog');
    const catalog = new Client({ connectionString: catalogDatabase });
    await catalog.connect();
    const indexes = await catalog.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'catalog' AND indexname = 'products_name_trigram_idx'`);
    await catalog.end();
    expect(indexes.rowCount).toBe(1);
  }, 240_000);

  // A shop begun with npm start keeps everything in its embedded database; the day it is to be split, or to run on a
  // server, every context moves to Postgres, with what it holds.
  it('serves a shop begun on the embedded database from Postgres: its customers, stock, orders and keys', async () => {
    const [, , , , postgres] = databases.map((database) => database.url);
    embeddedFolder = mkdtempSync(join(tmpdir(), 'tessera-move-embedded-'));
    const folder = join(embeddedFolder, 'db');
    topology = await startMonolithOnEmbeddedFolder(folder, 'move-embedded-before');
    let api = await new Api(topology.baseUrl).holdingToOpenApi();
    const { productId } = await shelfAndBuyer(api, 'embedded', 10);
    const buyer = { email: `moved-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' };
    expect((await api.post('/auth/register', { ...buyer, name: 'Moved' })).status).toBe(201);
    let token = (await api.post('/auth/login', buyer)).body.accessToken;
    const confirmed = await api.post('/orders', { items: [{ productId, quantity: 2 }] }, { token });
    expect((await api.post('/payments', { orderId: confirmed.body.id, paymentMethod: 'pm_card_visa' }, { token })).status).toBe(201);
    const unpaidOrder = { items: [{ productId, quantity: 1 }] };
    const unpaid = await api.post('/orders', unpaidOrder, { token, headers: { 'idempotency-key': 'moved-from-embedded' } });
    expect(unpaid.status).toBe(201);

    const refused = await moveContext(['users', folder, postgres]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the embedded database in .* is in use by process \d+: stop it first/);

    await topology.stop();
    for (const context of CONTEXT_NAMES) {
      const moved = await moveContext([context, folder, postgres]);
      expect(moved).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^Copied the ${context} schema`)) });
    }
    expect((await moveContext(['catalog', folder, postgres])).stderr).toMatch(/already holds rows in catalog\./);

    topology = await startMonolithOnDatabase(postgres, 'move-embedded-after');
    api = await new Api(topology.baseUrl).holdingToOpenApi();
    token = (await api.post('/auth/login', buyer)).body.accessToken;
    expect((await api.get(`/orders/${confirmed.body.id}`, { token })).body.status).toBe('CONFIRMED');
    const replayed = await api.post('/orders', unpaidOrder, { token, headers: { 'idempotency-key': 'moved-from-embedded' } });
    expect([replayed.status, replayed.body.id]).toEqual([201, unpaid.body.id]);
    // Paying it writes to the outboxes, whose positions must go on from where the embedded database's stood.
    expect((await api.post('/payments', { orderId: unpaid.body.id, paymentMethod: 'pm_card_visa' }, { token })).status).toBe(201);
    await untilPasses(async () => expect((await api.get(`/orders/${unpaid.body.id}`, { token })).body.status).toBe('CONFIRMED'), 30_000, 250);
    const another = await api.post('/orders', { items: [{ productId, quantity: 1 }] }, { token });
    expect(another.status).toBe(201);
    expect((await api.get(`/products/${productId}`)).body.stock).toBe(6);
    expect((await api.get('/products?q=embedded%20item')).body.items.map((item: { id: string }) => item.id)).toContain(productId);
  }, 240_000);
});
