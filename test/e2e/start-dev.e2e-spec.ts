import { ChildProcess } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { untilPasses } from '../harness/eventually';
import { endChild, freePort, isRunning, processesWorkingIn, readLog, spawnLogged, testLogFile } from '../harness/processes';
import { copyRepository } from '../harness/repository-copy';
import { TEST_ADMIN, TEST_JWT_SECRET } from '../harness/topologies';

// swc compiles a whole copy, then the monolith creates its embedded database and migrates it, on a machine other
// suites share; each later step restarts the app once.
const STARTED_WITHIN_MS = 180_000;
const RESTARTED_WITHIN_MS = 60_000;
// The monolith closes its embedded database as it ends.
const ENDED_WITHIN_MS = 30_000;
const EDITED = join('libs', 'gateway', 'src', 'http', 'openapi.document.ts');
const ADMIN_TAG = 'Operators: the dead letters of every context, to list, replay or discard';

/**
 * `npm run start:dev` in a copy of the repository, as a developer uses it: a
 * saved change is served without another command, a change that breaks the
 * start says where and is served again once fixed, the embedded database
 * keeps its data across restarts, and one Ctrl-C ends it all.
 */
describe('npm run start:dev, in a copy of the repository', () => {
  let copy: { path: string; remove: () => void };
  let dev: ChildProcess;
  let exited: Promise<number | null>;
  let port: number;
  // A file for each start, so that the last test's start does not write over what the first ones logged.
  let starts = 0;
  let logFile = '';
  const api = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init);
  const log = () => readLog(logFile);
  const edit = (change: (source: string) => string) => {
    const file = join(copy.path, EDITED);
    writeFileSync(file, change(readFileSync(file, 'utf8')));
  };
  const adminTagDescription = async () =>
    ((await (await api('/docs-json')).json()) as { tags: { name: string; description: string }[] }).tags.find((tag) => tag.name === 'admin')?.description;
  const serving = async () => {
    if (!isRunning(dev)) throw new Error(`start:dev ended:\n${log().slice(-3000)}`);
    expect((await api('/health/ready').catch(() => undefined))?.status).toBe(200);
  };

  const startDev = async () => {
    logFile = testLogFile(`start-dev-${++starts}`);
    dev = spawnLogged(process.execPath, [join('tools', 'dev', 'start-dev.js')], logFile, {
      cwd: copy.path,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        JWT_SECRET: TEST_JWT_SECRET,
        ADMIN_EMAIL: TEST_ADMIN.email,
        ADMIN_PASSWORD: TEST_ADMIN.password,
      },
    });
    exited = new Promise((resolve) => dev.once('exit', (code) => resolve(code)));
    await untilPasses(serving, STARTED_WITHIN_MS, 250);
  };

  beforeAll(async () => {
    copy = await copyRepository('start-dev');
    port = await freePort();
    await startDev();
  }, STARTED_WITHIN_MS + 60_000);

  afterAll(async () => {
    if (isRunning(dev)) await endChild(dev, exited);
    copy?.remove();
  });

  it('serves a saved change by itself, keeping what the database holds', async () => {
    const login = await api('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: TEST_ADMIN.email, password: TEST_ADMIN.password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const created = await api('/products', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ sku: 'DEV-LOOP-1', name: 'Kept Kettle', price: { amount: 2500, currency: 'USD' }, stock: 3 }),
    });
    const product = (await created.json()) as { id: string };
    expect({ status: created.status, product }).toEqual({ status: 201, product: expect.objectContaining({ name: 'Kept Kettle' }) });
    expect(await adminTagDescription()).toBe(ADMIN_TAG);

    edit((source) => source.replace(ADMIN_TAG, `${ADMIN_TAG}, edited`));

    await untilPasses(async () => expect(await adminTagDescription()).toBe(`${ADMIN_TAG}, edited`), RESTARTED_WITHIN_MS, 100);
    expect(log()).toMatch(/^start:dev: restarted in \d+ ms, after libs\/gateway\/src\/http\/openapi\.document\.ts changed$/m);
    // An editor's save can reach swc as two changes, and so restart the app twice: each check waits out a restart.
    await untilPasses(
      async () => expect(((await (await api(`/products/${product.id}`)).json()) as { name: string }).name).toBe('Kept Kettle'),
      RESTARTED_WITHIN_MS,
      100,
    );
  });

  it('says where a saved change breaks the start, and serves again once it is fixed', async () => {
    edit((source) => `throw new Error('a half-written change');\n${source}`);

    await untilPasses(async () => expect(log()).toContain('start:dev: the monolith stopped'), RESTARTED_WITHIN_MS, 100);
    expect(log()).toContain('Tessera could not start: a half-written change');
    // Source maps: the stack names the TypeScript file that was saved, not its build.
    expect(log()).toMatch(/at .*libs\/gateway\/src\/http\/openapi\.document\.ts:1:/);
    expect(isRunning(dev)).toBe(true);

    edit((source) => source.replace(`throw new Error('a half-written change');\n`, ''));

    await untilPasses(async () => expect(await adminTagDescription()).toBe(`${ADMIN_TAG}, edited`), RESTARTED_WITHIN_MS, 100);
  });

  it('ends swc and the monolith on one Ctrl-C, leaving nothing listening', async () => {
    dev.kill('SIGINT');

    await expect(exited).resolves.toBe(0);
    await expect(api('/health/live')).rejects.toThrow();
  });

  it(
    'leaves nothing running when it is killed outright, as a closed terminal or an IDE does',
    async () => {
      if (isRunning(dev)) await endChild(dev, exited);
      await startDev();
      const directory = realpathSync(copy.path);
      expect(processesWorkingIn(directory).some((line) => line.includes('swc'))).toBe(true);

      dev.kill('SIGKILL');

      // swc's watch (under npm and its shell) and the monolith, each in a group of its own, end by themselves.
      await untilPasses(() => expect(processesWorkingIn(directory)).toEqual([]), ENDED_WITHIN_MS, 250);
      await expect(api('/health/live')).rejects.toThrow();
    },
    STARTED_WITHIN_MS + ENDED_WITHIN_MS + 30_000,
  );
});
