import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, ApiResponse } from '../harness/http';
import { untilPasses } from '../harness/eventually';
import { AppProcess, freePort, ROOT } from '../harness/processes';
import { describeWith, startMonolith, TEST_ADMIN } from '../harness/topologies';

/** The JSON lines of a process's log; what is not JSON (a line written before the logger was made) is left out. */
function logLinesOf(output: string): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('the monolith on its embedded database kept on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-db-'));

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps users, products, orders and payments across a restart, and seeds the demo catalog only once', async () => {
    const first = await startMonolith('embedded', { EMBEDDED_DB_DIR: dir });
    let productId: string;
    let total: number;
    let orderId: string;
    let paymentId: string;
    let customerToken: string;
    try {
      const api = new Api(first.baseUrl);
      const token = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken;
      const created = await api.post('/products', { sku: 'KEEP-ME', name: 'Kept', price: { amount: 500, currency: 'USD' }, stock: 2 }, { token });
      expect(created.status).toBe(201);
      productId = created.body.id;
      expect((await api.post('/auth/register', { email: 'kept@example.com', password: 'a long password', name: 'Kept' })).status).toBe(201);
      total = (await api.get('/products')).body.total;
      customerToken = (await api.post('/auth/login', { email: 'kept@example.com', password: 'a long password' })).body.accessToken;
      const order = await api.post('/orders', { items: [{ productId, quantity: 1 }] }, { token: customerToken });
      expect(order.status).toBe(201);
      orderId = order.body.id;
      const payment = await api.post('/payments', { orderId, paymentMethod: 'pm_card_visa' }, { token: customerToken });
      expect(payment.status).toBe(201);
      paymentId = payment.body.id;
    } finally {
      await first.stop();
    }

    const second = await startMonolith('embedded', { EMBEDDED_DB_DIR: dir });
    try {
      const api = new Api(second.baseUrl);
      expect((await api.get(`/products/${productId}`)).body).toMatchObject({ sku: 'KEEP-ME', stock: 1 });
      expect((await api.get(`/orders/${orderId}`, { token: customerToken })).body).toMatchObject({ status: 'CONFIRMED' });
      expect((await api.get(`/payments/${paymentId}`, { token: customerToken })).body).toMatchObject({ status: 'SUCCEEDED', orderId });
      expect((await api.get(`/orders/${orderId}/history`, { token: customerToken })).body).toHaveLength(2);
      expect((await api.get('/products')).body.total).toBe(total);
      expect((await api.post('/auth/login', { email: 'kept@example.com', password: 'a long password' })).status).toBe(200);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it("makes a new folder's database from the fresh cluster that the machine's first new folder left, and says so", async () => {
    // A machine of its own: no earlier start has left a fresh cluster in its temporary folder.
    const machineTmp = mkdtempSync(join(tmpdir(), 'tessera-e2e-machine-'));
    const freshClusters = () => readdirSync(machineTmp).filter((name) => /^tessera-pglite-.*-fresh-cluster\.tar$/.test(name));
    // What a writer killed while writing the copy left: Linux gives no process a pid above 2^22.
    const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
    const leftByKilledWriter = join(machineTmp, `tessera-pglite-${version}-fresh-cluster.tar.${2 ** 22 + 1}.partial`);
    writeFileSync(leftByKilledWriter, 'the first megabytes of a cluster');
    try {
      const firstFolder = join(machineTmp, 'first');
      const first = await startMonolith('embedded', { EMBEDDED_DB_DIR: firstFolder, TMPDIR: machineTmp, LOG_LEVEL: 'info' });
      try {
        expect(freshClusters()).toHaveLength(1);
        const image = join(machineTmp, freshClusters()[0]);
        const made = `Made a new database in ${firstFolder}, and kept a copy of the fresh cluster for the next new one (${image})`;
        // Said by the app's own logger, though the database was opened before that logger was made.
        expect(logLinesOf(first.processes.monolith.output())).toContainEqual(
          expect.objectContaining({ msg: made, context: 'EmbeddedDatabase', name: 'monolith' }),
        );
      } finally {
        await first.stop();
      }

      // A folder made before, open to others, as a shell's mkdir leaves it: the database's files are not.
      const secondFolder = join(machineTmp, 'second');
      mkdirSync(secondFolder, { mode: 0o755 });
      const second = await startMonolith('embedded', { EMBEDDED_DB_DIR: secondFolder, TMPDIR: machineTmp, LOG_LEVEL: 'info' });
      try {
        const image = join(machineTmp, freshClusters()[0]);
        expect(second.processes.monolith.output()).toContain(`Made a new database in ${secondFolder}, from this machine's copy of a fresh cluster (${image})`);
        // The copy holds the cluster and nothing else of the first folder: not its lock, which would have replaced this one.
        expect(readFileSync(join(secondFolder, 'tessera.lock'), 'utf8').trim()).toBe(String(second.processes.monolith.pid));
        for (const folder of [firstFolder, secondFolder]) expect(statSync(folder).mode & 0o777).toBe(0o700);
        const api = new Api(second.baseUrl);
        expect((await api.get('/products')).body.total).toBeGreaterThan(0);
        expect((await api.post('/auth/register', { email: 'second@example.com', password: 'a long password', name: 'Second' })).status).toBe(201);
      } finally {
        await second.stop();
      }
      // Only the one copy, and no half-written one beside it: neither this machine's writers' nor the killed one's.
      expect(readdirSync(machineTmp).filter((name) => name.startsWith('tessera-pglite-'))).toHaveLength(1);
      expect(existsSync(leftByKilledWriter)).toBe(false);
    } finally {
      rmSync(machineTmp, { recursive: true, force: true });
    }
  }, 120_000);

  it("makes the machine's copy of a fresh cluster again when the one there cannot be loaded, in a new folder and in memory", async () => {
    const machineTmp = mkdtempSync(join(tmpdir(), 'tessera-e2e-machine-'));
    const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
    const image = join(machineTmp, `tessera-pglite-${version}-fresh-cluster.tar`);
    const damaged = `This machine's copy of a fresh cluster (${image}) could not be loaded`;
    try {
      writeFileSync(image, 'written by another build, or cut short');
      const folder = join(machineTmp, 'new');
      const first = await startMonolith('embedded', { EMBEDDED_DB_DIR: folder, TMPDIR: machineTmp, LOG_LEVEL: 'info' });
      try {
        expect(first.processes.monolith.output()).toContain(damaged);
        expect(first.processes.monolith.output()).toContain(`Made a new database in ${folder}, and kept a copy of the fresh cluster for the next new one`);
        expect((await new Api(first.baseUrl).post('/auth/login', TEST_ADMIN)).status).toBe(200);
      } finally {
        await first.stop();
      }
      // The folder holds a database, not the half of one the damaged copy would have left.
      const again = await startMonolith('embedded', { EMBEDDED_DB_DIR: folder, TMPDIR: machineTmp });
      await again.stop();

      writeFileSync(image, 'damaged again');
      const inMemory = await startMonolith('embedded', { EMBEDDED_DB_DIR: 'memory', TMPDIR: machineTmp });
      try {
        expect(inMemory.processes.monolith.output()).toContain(damaged);
        expect((await new Api(inMemory.baseUrl).post('/auth/login', TEST_ADMIN)).status).toBe(200);
      } finally {
        await inMemory.stop();
      }
      expect(statSync(image).size).toBeGreaterThan(1_000_000);
    } finally {
      rmSync(machineTmp, { recursive: true, force: true });
    }
  }, 120_000);

  it('takes out and makes again the half of a database that a process killed while making it left, and keeps the new one', async () => {
    const machineTmp = mkdtempSync(join(tmpdir(), 'tessera-e2e-machine-'));
    const folder = join(machineTmp, 'half-made');
    // What a start killed while loading the fresh cluster into its new folder left: some of the cluster, PG_VERSION
    // among it, and the mark of the making with the pid of the process that was making it (none has a pid above 2^22).
    const killedMaker = 2 ** 22 + 1;
    mkdirSync(join(folder, 'base', '1'), { recursive: true });
    writeFileSync(join(folder, 'PG_VERSION'), '17\n');
    writeFileSync(join(folder, 'base', '1', '1259'), 'the first pages of pg_class');
    writeFileSync(join(folder, 'tessera.making'), `${killedMaker}\n`);
    try {
      const first = await startMonolith('embedded', { EMBEDDED_DB_DIR: folder, TMPDIR: machineTmp, LOG_LEVEL: 'info' });
      try {
        expect(first.processes.monolith.output()).toContain(
          `${folder} held half a database, left by process ${killedMaker}, which ended while making it: it was taken out and made again`,
        );
        expect(readdirSync(folder)).not.toContain('tessera.making');
        const api = new Api(first.baseUrl);
        expect((await api.post('/auth/register', { email: 'remade@example.com', password: 'a long password', name: 'Remade' })).status).toBe(201);
      } finally {
        await first.stop();
      }
      const again = await startMonolith('embedded', { EMBEDDED_DB_DIR: folder, TMPDIR: machineTmp, LOG_LEVEL: 'info' });
      try {
        expect(again.processes.monolith.output()).not.toContain('half a database');
        expect((await new Api(again.baseUrl).post('/auth/login', { email: 'remade@example.com', password: 'a long password' })).status).toBe(200);
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(machineTmp, { recursive: true, force: true });
    }
  }, 120_000);

  it('is taken over by the next start after a SIGKILL, which also removes the socket folder the killed process left', async () => {
    const socketFoldersOf = (pid: number | undefined) => readdirSync(tmpdir()).filter((name) => name.startsWith(`tessera-pg-${pid}-`));
    const killed = await startMonolith('embedded', { EMBEDDED_DB_DIR: dir });
    const killedPid = killed.processes.monolith.pid;
    let created: ApiResponse;
    // Every check inside: one that failed before the stop would leave the monolith running after the suite.
    try {
      expect(socketFoldersOf(killedPid)).toHaveLength(1);
      const killedApi = new Api(killed.baseUrl);
      const token = (await killedApi.post('/auth/login', TEST_ADMIN)).body.accessToken;
      const product = { sku: 'SURVIVES-KILL', name: 'Survivor', price: { amount: 700, currency: 'USD' }, stock: 3 };
      created = await killedApi.post('/products', product, { token });
      expect(created.status).toBe(201);
      await killed.processes.monolith.stop('SIGKILL');
    } finally {
      await killed.stop();
    }
    expect(socketFoldersOf(killedPid)).toHaveLength(1);

    const next = await startMonolith('embedded', { EMBEDDED_DB_DIR: dir });
    try {
      expect((await new Api(next.baseUrl).get(`/products/${created.body.id}`)).body).toMatchObject({ sku: 'SURVIVES-KILL', stock: 3 });
      expect(socketFoldersOf(killedPid)).toEqual([]);
      expect(socketFoldersOf(next.processes.monolith.pid)).toHaveLength(1);
    } finally {
      await next.stop();
    }
    expect(socketFoldersOf(next.processes.monolith.pid)).toEqual([]);
  }, 120_000);
});

describeWith(['postgres'])('the monolith on a Postgres server', () => {
  // The embedded database is opened before the configuration is read (openEmbeddedDatabaseEarly): only where it is sure to be used.
  it('makes no embedded database, nor locks its folder', async () => {
    const machineTmp = mkdtempSync(join(tmpdir(), 'tessera-e2e-machine-'));
    const folder = join(machineTmp, 'never');
    try {
      const monolith = await startMonolith('postgres', { EMBEDDED_DB_DIR: folder, TMPDIR: machineTmp });
      try {
        expect((await new Api(monolith.baseUrl).post('/auth/login', TEST_ADMIN)).status).toBe(200);
        expect(existsSync(folder)).toBe(false);
        expect(readdirSync(machineTmp).filter((name) => name.startsWith('tessera-pg'))).toEqual([]);
      } finally {
        await monolith.stop();
      }
    } finally {
      rmSync(machineTmp, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the login limit and past the general limit', async () => {
    const topology = await startMonolith('embedded', { RATE_LIMIT_PER_MINUTE: '8', LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const api = new Api(topology.baseUrl);
      const logins = [];
      for (let i = 0; i < 4; i++) logins.push(await api.post('/auth/login', { email: 'nobody@example.com', password: 'wrong password' }));
      expect(logins.slice(0, 3).map((r) => r.status)).toEqual([401, 401, 401]);
      expect(logins[3].status).toBe(429);
      expect(logins[3].body.code).toBe('RATE_LIMITED');
      expect(Number(logins[3].headers.get('retry-after'))).toBeGreaterThan(0);

      const reads = [];
      for (let i = 0; i < 9; i++) reads.push(await api.get('/products'));
      expect(reads.some((r) => r.status === 429)).toBe(true);
      expect(Number(reads.find((r) => r.status === 429)!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await api.get('/health/live')).status).toBe(200);
    } finally {
      await topology.stop();
    }
  }, 120_000);
});

describe('configuration at start', () => {
  async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const app = AppProcess.start('monolith', `refused-${Object.keys(env).join('-')}`, { EMBEDDED_DB_DIR: 'memory', PORT: String(await freePort()), ...env });
    const code = await app.exitCode();
    return { code, output: app.output() };
  }

  it('refuses to start in production without a JWT_SECRET, naming it', async () => {
    const { code, output } = await failedStart({ NODE_ENV: 'production', ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'a real password' });
    expect(code).not.toBe(0);
    expect(output).toMatch(/JWT_SECRET/);
  }, 60_000);

  it('refuses to start in production with the default admin password, naming it', async () => {
    const { code, output } = await failedStart({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-some-length',
      ADMIN_EMAIL: 'ops@example.com',
      ADMIN_PASSWORD: 'admin-password',
    });
    expect(code).not.toBe(0);
    expect(output).toMatch(/ADMIN_PASSWORD/);
  }, 60_000);

  it('stops on a bad value with a message naming the variable', async () => {
    const { code, output } = await failedStart({ RATE_LIMIT_PER_MINUTE: 'lots' });
    expect(code).not.toBe(0);
    expect(output).toMatch(/RATE_LIMIT_PER_MINUTE/);
    expect(output).not.toMatch(/^\s+at /m);
  }, 60_000);

  // The system picks the port: the ready line is where a person or a script learns which (it said :0).
  it('with PORT=0, says in its ready line the port the system gave it', async () => {
    const app = AppProcess.start('monolith', 'port-zero', { EMBEDDED_DB_DIR: 'memory', PORT: '0', LOG_LEVEL: 'info' });
    try {
      let port = 0;
      await untilPasses(() => {
        const ready = /Tessera monolith ready in \d+ ms on http:\/\/127\.0\.0\.1:(\d+) /.exec(app.output());
        expect(ready).not.toBeNull();
        port = Number(ready![1]);
      }, 60_000);
      expect(port).toBeGreaterThan(0);
      const health = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect(health.status).toBe(200);
    } finally {
      await app.stop();
    }
  }, 90_000);
});
