import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { applyPlan, existingContexts, nameProblem, planContext } from './new-context';

const root = resolve(__dirname, '..', '..');
// Not inventory, the example of the docs: this spec must still pass once somebody has generated that one.
const name = 'specimen';
const at = new Date('2030-01-02T03:04:05.000Z');
const stamp = String(at.getTime());

// Whether the generated context typechecks, builds, passes the boundary rules and answers its health check is
// test/e2e/new-context.e2e-spec.ts's: it generates one in a copy of the repository.
describe('new:context', () => {
  describe('the name', () => {
    it.each([
      [undefined, /^Name the new context: npm run new:context -- <name>/],
      ['Specimen', /^"Specimen" is not a context name: use a lowercase identifier/],
      ['stock-levels', /^"stock-levels" is not a context name/],
      ['stock_levels', /^"stock_levels" is not a context name/],
      ['2fa', /^"2fa" is not a context name/],
      ['users', /^"users" is a context already \(CONTEXT_NAMES\)/],
      ['gateway', /^"gateway" is taken: libs\/gateway exists$/],
      ['monolith', /^"monolith" is taken: apps\/monolith exists$/],
      ['common', /^"common" is taken: libs\/contracts\/src\/common exists$/],
      ['testing', /^"testing" cannot name a context: the build and the boundary rules treat testing\/ folders as test fakes$/],
      ['dist', /^"dist" cannot name a context: git ignores every dist\/ folder$/],
    ])('refuses %s in one line', (name, problem) => {
      const refusal = nameProblem(root, name);
      expect(refusal).toMatch(problem);
      expect(refusal).not.toContain('\n');
    });

    it('takes a lowercase identifier that no context, app or lib has', () => {
      expect(nameProblem(root, name)).toBeUndefined();
    });
  });

  describe('the plan for a context', () => {
    const plan = planContext(root, name, at);
    const created = (path: string) => plan.created[path];
    const edited = (path: string) => plan.edited[path];

    it('creates the lib in its four layers, its contracts and its app, as the other contexts have them', () => {
      expect(Object.keys(plan.created).sort()).toEqual(
        [
          'apps/specimen/src/instrument.ts',
          'apps/specimen/src/main.ts',
          'docker/k8s/specimen.yaml',
          'libs/contracts/src/specimen/index.ts',
          'libs/contracts/src/specimen/specimen.patterns.ts',
          'libs/specimen/README.md',
          'libs/specimen/src/application/queries/check-health/check-health.handler.spec.ts',
          'libs/specimen/src/application/queries/check-health/check-health.handler.ts',
          'libs/specimen/src/application/queries/check-health/check-health.query.ts',
          'libs/specimen/src/domain/.gitkeep',
          'libs/specimen/src/index.ts',
          'libs/specimen/src/infrastructure/migrations/index.ts',
          `libs/specimen/src/infrastructure/migrations/${stamp}-create-specimen-messaging-tables.migration.ts`,
          'libs/specimen/src/interface/specimen.messages.controller.spec.ts',
          'libs/specimen/src/interface/specimen.messages.controller.ts',
          'libs/specimen/src/specimen.module.ts',
        ].sort(),
      );
      for (const [path, text] of Object.entries(plan.created))
        expect({ path, leftover: /__\w+__/.exec(`${path}\n${text}`)?.[0] }).toEqual({ path, leftover: undefined });
    });

    it('names everything after the context', () => {
      expect(created('libs/specimen/src/index.ts')).toMatch(/^export \{ SpecimenModule \} from '\.\/specimen\.module';$/m);
      expect(created('libs/specimen/src/index.ts')).toMatch(/^export \{ SPECIMEN_MIGRATIONS \} from '\.\/infrastructure\/migrations';$/m);
      expect(created('libs/specimen/src/specimen.module.ts')).toContain(
        "ContextDatabaseModule.forContext({ context: 'specimen', entities: [], migrations: SPECIMEN_MIGRATIONS })",
      );
      expect(created('libs/contracts/src/specimen/specimen.patterns.ts')).toContain("CHECK_HEALTH: 'specimen.check-health'");
      expect(created(`libs/specimen/src/infrastructure/migrations/${stamp}-create-specimen-messaging-tables.migration.ts`)).toContain(
        `export class CreateSpecimenMessagingTables${stamp} implements MigrationInterface`,
      );
      expect(created('apps/specimen/src/main.ts')).toContain("ContextAppModule.register('specimen', SpecimenModule)");
    });

    // A generated app read no .env and started tracing without checking its OTEL_* settings.
    it("starts its process as the other contexts' apps do: the .env file, then tracing, each refused in one line", () => {
      expect(created('apps/specimen/src/instrument.ts')).toBe(readFileSync(join(root, 'apps/users/src/instrument.ts'), 'utf8').replace(/users/g, 'specimen'));
    });

    it('adds the context to CONTEXT_NAMES, last, so that what derives from the list keeps its order (TCP ports)', () => {
      expect(edited('libs/contracts/src/common/context-name.ts')).toContain(
        `export const CONTEXT_NAMES = [${[...existingContexts(root), 'specimen'].map((context) => `'${context}'`).join(', ')}] as const;`,
      );
    });

    it('adds it wherever the contexts are listed by hand, every file still parsing', () => {
      expect(edited('libs/contracts/src/index.ts')).toMatch(/^export \* from '\.\/specimen';$/m);
      expect(edited('libs/contracts/src/common/query-patterns.ts')).toMatch(
        /^import \{ SPECIMEN_QUERY_PATTERNS \} from '\.\.\/specimen\/specimen\.patterns';$/m,
      );
      expect(edited('libs/contracts/src/common/query-patterns.ts')).toMatch(/^ {2}\.\.\.SPECIMEN_QUERY_PATTERNS,$/m);
      expect(edited('apps/monolith/src/monolith.module.ts')).toMatch(/^import \{ SpecimenModule \} from '@tessera\/specimen';$/m);
      // After the last context's module, whichever context was added last.
      expect(edited('apps/monolith/src/monolith.module.ts')).toMatch(/export const CONTEXT_MODULES\b[^;]*[A-Za-z]+Module, specimen: SpecimenModule,?\s*\};/);
      for (const file of ['tsconfig.json', '.swcrc']) {
        const paths = JSON.parse(edited(file)) as { compilerOptions?: { paths: object }; jsc?: { paths: object } };
        expect((paths.compilerOptions ?? paths.jsc)!.paths).toMatchObject({ '@tessera/specimen': ['./libs/specimen/src/index.ts'] });
      }
      expect(JSON.parse(edited('package.json')).scripts['start:specimen']).toBe('exec node --enable-source-maps dist/apps/specimen/src/main.js');
      expect(JSON.parse(edited('nest-cli.json')).projects).toMatchObject({
        specimen: { root: 'apps/specimen' },
        'specimen-context': { root: 'libs/specimen' },
      });
      expect(edited('.dependency-cruiser.js')).toMatch(/^const CONTEXTS = '\([a-z|]+\|specimen\)';$/m);
      expect(edited('tools/move-context/copy-by-migrations.ts')).toMatch(/^import \{ SPECIMEN_MIGRATIONS \} from '@tessera\/specimen';$/m);
      expect(edited('tools/move-context/copy-by-migrations.ts')).toMatch(/^ {2}specimen: SPECIMEN_MIGRATIONS,$/m);
      const port = 4001 + existingContexts(root).length;
      expect(edited('.env.example')).toMatch(/^# SPECIMEN_DATABASE_URL=$/m);
      expect(edited('.env.example')).toMatch(new RegExp(`^# SPECIMEN_TCP_ADDRESS=127\\.0\\.0\\.1:${port}$`, 'm'));
      expect(edited('.env.example')).toMatch(/^# SPECIMEN_TCP_LISTEN_ADDRESS=$/m);
    });

    it('gives it a process of its own in the deployment files, on the health port after the last context', () => {
      const port = 3001 + existingContexts(root).length;
      expect(edited('docker/Dockerfile')).toContain(`, specimen: ${port} }[process.env.APP]`);
      expect(edited('docker/postgres/create-context-databases.sql')).toMatch(/^CREATE DATABASE specimen;$/m);
      expect(parseYaml(edited('docker/k8s/kustomization.yaml')).resources).toContain('specimen.yaml');
      expect(parseYaml(edited('docker/k8s/secret.yaml')).stringData).toHaveProperty('SPECIMEN_DATABASE_URL', 'REPLACE');
      const compose = parseYaml(edited('docker/compose.split.yml'), { merge: true }).services;
      expect(compose.specimen.environment).toMatchObject({ APP: 'specimen', PORT: String(port), TRANSPORT: 'nats' });
      expect(compose.gateway.depends_on.specimen).toEqual({ condition: 'service_healthy' });
      expect(parseYaml(edited('docker/observability/compose.split.yml'), { merge: true }).services.specimen).toBeDefined();
      expect(edited('docker/observability/prometheus.split.yml')).toContain(`- targets: ["specimen:${port}"]`);
      expect(created('docker/k8s/specimen.yaml')).toContain(`containerPort: ${port}`);
    });

    it('lets Prometheus reach its health port and the deployment its TCP message port, and nothing else, with NATS_URL from the Secret', () => {
      const [deployment, policy] = parseAllDocuments(created('docker/k8s/specimen.yaml')).map((document) => document.toJS());
      expect(deployment.spec.template.spec.containers[0].env).toContainEqual({
        name: 'NATS_URL',
        valueFrom: { secretKeyRef: { name: 'tessera-secrets', key: 'NATS_URL' } },
      });
      expect(policy).toMatchObject({ kind: 'NetworkPolicy', spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'specimen' } } } });
      expect(policy.spec.ingress.map((rule: { ports: { port: number }[] }) => rule.ports.map(({ port }) => port))).toEqual([
        [3001 + existingContexts(root).length],
        [4001 + existingContexts(root).length],
      ]);
    });
  });

  describe('applied to a copy of the files it reads', () => {
    let copy: string;
    const plan = planContext(root, name, at);

    beforeEach(() => {
      copy = mkdtempSync(join(tmpdir(), 'tessera-new-context-spec-'));
      cpSync(join(root, 'tools', 'new-context', 'templates'), join(copy, 'tools', 'new-context', 'templates'), { recursive: true });
      for (const file of Object.keys(plan.edited)) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        cpSync(join(root, file), join(copy, file));
      }
    });

    afterEach(() => rmSync(copy, { recursive: true, force: true }));

    it('writes the plan, after which the name is taken', () => {
      applyPlan(copy, plan);

      expect(readFileSync(join(copy, 'libs', 'specimen', 'src', 'specimen.module.ts'), 'utf8')).toBe(plan.created['libs/specimen/src/specimen.module.ts']);
      expect(readFileSync(join(copy, 'tsconfig.json'), 'utf8')).toBe(plan.edited['tsconfig.json']);
      expect(nameProblem(copy, 'specimen')).toBe('"specimen" is a context already (CONTEXT_NAMES): choose another name');
    });

    it('names the file it cannot place the context in, before it writes anything', () => {
      const monolith = join(copy, 'apps', 'monolith', 'src', 'monolith.module.ts');
      writeFileSync(monolith, readFileSync(monolith, 'utf8').replace('CONTEXT_MODULES', 'HOSTED_MODULES'));

      expect(() => planContext(copy, name, at)).toThrow(/^apps\/monolith\/src\/monolith\.module\.ts: found no .*; add specimen there by hand$/);
    });
  });
});
