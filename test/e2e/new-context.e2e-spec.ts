import { CONTEXT_NAMES } from '@tessera/contracts';
import { ChildProcess, execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { untilPasses } from '../harness/eventually';
import { endChild, freePort, isRunning, readLog, ROOT, spawnLogged, testLogFile } from '../harness/processes';
import { copyRepository } from '../harness/repository-copy';
import { TEST_ADMIN, TEST_JWT_SECRET } from '../harness/topologies';

const run = promisify(execFile);

// The docs' example; once a real inventory context exists, another name.
const name = (CONTEXT_NAMES as readonly string[]).includes('inventory') ? 'specimen' : 'inventory';

// Each step compiles or builds a whole copy of the repository, on a machine other suites share.
jest.setTimeout(10 * 60_000);

/**
 * The generator run in a copy of the repository (its files as they are now,
 * committed or not; node_modules linked): the copy must still typecheck, keep
 * its boundaries, build, and its monolith must host the new context, answering
 * its health check through the messaging client.
 */
describe(`npm run new:context -- ${name}, in a copy of the repository`, () => {
  let copy: string;
  const inCopy = (command: string, args: string[]) => run(command, args, { cwd: copy, maxBuffer: 64 << 20 });

  let removeCopy: () => void;

  beforeAll(async () => {
    ({ path: copy, remove: removeCopy } = await copyRepository('new-context'));
  });

  afterAll(() => removeCopy?.());

  it('creates the context, says what it made and what comes next, and rewrites the context map', async () => {
    const { stdout } = await inCopy('npm', ['run', 'new:context', '--', name]);

    expect(stdout).toContain(`Created the ${name} context:`);
    expect(stdout).toContain(`  + libs/${name}/src/${name}.module.ts`);
    expect(stdout).toContain('  ~ libs/contracts/src/common/context-name.ts');
    expect(stdout).toContain('Next:');
    expect(readFileSync(join(copy, 'docs', 'context-map.md'), 'utf8')).toContain(`| \`${name}.check-health\` | ${name} |`);
  });

  it('refuses the same name again, in one line, and changes nothing', async () => {
    const before = readFileSync(join(copy, 'libs', 'contracts', 'src', 'common', 'context-name.ts'), 'utf8');

    await expect(inCopy('npm', ['run', '--silent', 'new:context', '--', name])).rejects.toMatchObject({
      code: 1,
      stderr: `new:context: "${name}" is a context already (CONTEXT_NAMES): choose another name\n`,
    });
    expect(readFileSync(join(copy, 'libs', 'contracts', 'src', 'common', 'context-name.ts'), 'utf8')).toBe(before);
  });

  it('typechecks', async () => {
    await expect(inCopy(join(copy, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--noEmit'])).resolves.toBeDefined();
  });

  it('keeps the boundary rules, the new context included', async () => {
    const { stdout } = await inCopy('npm', ['run', 'lint:boundaries']);

    expect(stdout).toContain('no dependency violations found');
  });

  it('passes ESLint and Prettier as written', async () => {
    await expect(inCopy('npm', ['run', 'lint'])).resolves.toBeDefined();
  });

  it('passes the specs that hold every context to the lists it joins: settings, readiness, the generator itself', async () => {
    const specs = ['libs/platform/src/config/env-example.spec.ts', 'libs/gateway/src/gateway.http.spec.ts', 'tools/new-context/new-context.spec.ts'];
    await expect(inCopy(join(copy, 'node_modules', '.bin', 'jest'), [...specs, '--selectProjects=unit'])).resolves.toBeDefined();
  });

  it('builds every app, the new one included', async () => {
    await inCopy('npm', ['run', 'build']);

    expect(existsSync(join(copy, 'dist', 'apps', name, 'src', 'main.js'))).toBe(true);
  });

  describe('its monolith, on an embedded database in memory, over TCP', () => {
    let monolith: ChildProcess;
    let exited: Promise<unknown>;
    const logFile = testLogFile('new-context-monolith');
    const env: Record<string, string> = { TRANSPORT: 'tcp' };

    beforeAll(async () => {
      // Every listening address its own, so that nothing else on the machine is reached by mistake.
      for (const context of [...CONTEXT_NAMES, name]) env[`${context.toUpperCase()}_TCP_ADDRESS`] = `127.0.0.1:${await freePort()}`;
      env.GATEWAY_TCP_ADDRESS = `127.0.0.1:${await freePort()}`;
      const port = await freePort();
      monolith = spawnLogged(process.execPath, [join(copy, 'dist', 'apps', 'monolith', 'src', 'main.js')], logFile, {
        cwd: copy,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          EMBEDDED_DB_DIR: 'memory',
          PORT: String(port),
          JWT_SECRET: TEST_JWT_SECRET,
          ADMIN_EMAIL: TEST_ADMIN.email,
          ADMIN_PASSWORD: TEST_ADMIN.password,
          ...env,
        },
      });
      exited = new Promise((resolveExit) => monolith.once('exit', resolveExit));
      const died = exited.then(() => Promise.reject(new Error(`the monolith exited:\n${readLog(logFile)}`)));
      // HTTP listens only once the migrations have run and the message servers have started.
      await Promise.race([died, untilPasses(async () => expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200), 180_000, 500)]);
    });

    afterAll(async () => {
      if (isRunning(monolith)) await endChild(monolith, exited);
    });

    it(`answers ${name}.check-health, asked through the messaging client as another process would`, async () => {
      const script = join(ROOT, 'test', 'harness', 'ask-context-health.js');
      const { stdout } = await run(process.execPath, [script, name], { cwd: copy, env: { PATH: process.env.PATH ?? '', ...env } });

      expect(JSON.parse(stdout)).toEqual({ context: name, status: 'up' });
    });
  });
});
