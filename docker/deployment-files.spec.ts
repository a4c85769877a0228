import { CONTEXT_NAMES, ContextName } from '@tessera/contracts';
import { DEFAULT_GATEWAY_TCP_PORT, DEFAULT_TCP_PORTS } from '@tessera/messaging';
import { defaultHealthPort, envSchema, parseRuntimeSettings, RUNTIME_SETTING_NAMES } from '@tessera/platform';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_NATS_NAMESPACE, NATS_PROCESSES, natsPasswordVariable, natsUserName, type NatsProcess } from '../tools/context-map/nats-authorization';

// No Docker engine or Kubernetes cluster runs the suite: these checks hold the
// deployment files to the code they start (apps, configuration names, ports).

const REPO = join(__dirname, '..');
const DOCKER = __dirname;
const K8S = join(DOCKER, 'k8s');
const IMAGE = 'tessera:local';

/**
 * Variables the files may name that the apps do not read: the image's app switch, the postgres image's own, and the
 * NATS users' passwords, which nats-server reads (docker/nats/authorization.conf).
 */
const NOT_APP_VARIABLES = new Set(['APP', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'SCARF_ANALYTICS', ...NATS_PROCESSES.map(natsPasswordVariable)]);
const APP_VARIABLES = new Set(Object.keys(envSchema.describe().keys ?? {}));
const APPS = readdirSync(join(REPO, 'apps')).filter((app) => existsSync(join(REPO, 'apps', app, 'src', 'main.ts')));

type Node = Record<string, any>;

/** The users docker/nats/authorization.conf defines, each with the variable its password is read from. */
const NATS_USERS = new Map(
  [...readFileSync(join(DOCKER, 'nats', 'authorization.conf'), 'utf8').matchAll(/user: "([^"]+)"\s+password: \$(\w+)/g)].map(([, user, variable]) => [
    user,
    variable,
  ]),
);

/** The Secret key that holds an app's NATS_URL: each app has a NATS user of its own. */
function natsUrlKeyOf(app: string): string {
  return `${app.toUpperCase()}_NATS_URL`;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const YAML_FILES = filesUnder(DOCKER).filter((file) => /\.ya?ml$/.test(file));

function parseYaml(file: string): Node[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  const list = Array.isArray(documents) ? documents : [documents];
  for (const document of list) {
    if (document.errors.length > 0) throw new Error(`${relative(REPO, file)}: ${document.errors.map((error) => error.message).join('; ')}`);
  }
  return list.map((document) => document.toJS() as Node).filter((value) => value !== null);
}

function unknownVariables(names: Iterable<string>): string[] {
  return [...names].filter((name) => !APP_VARIABLES.has(name) && !NOT_APP_VARIABLES.has(name));
}

/** The message envSchema gives for these values, or undefined when it takes them. Compose interpolations are left out. */
function schemaComplaint(env: Record<string, string>): string | undefined {
  const literal = Object.fromEntries(Object.entries(env).filter(([name, value]) => APP_VARIABLES.has(name) && !value.includes('${')));
  return envSchema.validate(literal, { abortEarly: false, allowUnknown: true }).error?.message;
}

function contextOf(app: string): ContextName | undefined {
  return (CONTEXT_NAMES as readonly string[]).includes(app) ? (app as ContextName) : undefined;
}

/** The <CONTEXT>_DATABASE_URL names given to an app that do not belong to it. */
function foreignDatabaseUrls(app: string, names: string[]): string[] {
  const own = contextOf(app) ? `${app.toUpperCase()}_DATABASE_URL` : undefined;
  return names.filter((name) => /^(USERS|CATALOG|ORDERING|PAYMENTS)_DATABASE_URL$/.test(name) && name !== own && app !== 'monolith');
}

describe('every YAML file under docker/', () => {
  it.each(YAML_FILES.map((file) => relative(REPO, file)))('%s parses', (file) => {
    expect(parseYaml(join(REPO, file)).length).toBeGreaterThan(0);
  });
});

describe('the Dockerfile', () => {
  const lines = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stageStarts = lines.flatMap((line, index) => (/^FROM\s/i.test(line) ? [index] : []));
  const stages = stageStarts.map((start, i) => ({ name: /\sAS\s+(\S+)$/i.exec(lines[start])?.[1], lines: lines.slice(start, stageStarts[i + 1]) }));
  const runtime = stages[stages.length - 1];
  const instruction = (name: string) => runtime.lines.filter((line) => line.toUpperCase().startsWith(`${name} `));

  it('builds in one stage and runs from a last stage that has production dependencies only', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['base', 'build', 'production-dependencies', 'runtime']);
    expect(stages[1].lines).toContain('RUN npm run build');
    expect(stages[2].lines.join('\n')).toMatch(/npm ci --omit=dev/);
    expect(runtime.lines.filter((line) => line.startsWith('COPY --from=')).map((line) => line.split(/\s+/)[1])).toEqual([
      '--from=production-dependencies',
      '--from=build',
    ]);
  });

  it('builds npm run move-context into the image, where docker/README.md runs it', () => {
    expect(stages[1].lines).toContain('RUN npm run compile:tools');
    const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['compile:tools']).toMatch(/^swc tools\/move-context -d dist /);
    expect(readFileSync(join(DOCKER, 'README.md'), 'utf8')).toMatch(/--entrypoint node monolith \\\n\s+dist\/tools\/move-context\/main\.js /);
  });

  it('sets only configuration the apps read, in production mode', () => {
    const env = Object.fromEntries(
      lines.filter((line) => /^ENV\s/i.test(line)).flatMap((line) => [...line.matchAll(/(\w+)=(\S+)/g)].map(([, name, value]) => [name, value])),
    );
    expect(unknownVariables(Object.keys(env))).toEqual([]);
    expect(env).toMatchObject({ NODE_ENV: 'production', APP: 'monolith', HOST: '0.0.0.0' });
  });

  it('runs as a user that is not root', () => {
    const [user] = instruction('USER');
    expect(user).toBeDefined();
    expect(user.split(/\s+/)[1]).not.toMatch(/^(root|0)(:|$)/);
  });

  it('has a health check on /health/live at each app default port', () => {
    const [healthcheck] = instruction('HEALTHCHECK');
    expect(healthcheck).toMatch(/\/health\/live/);
    const defaults = Object.fromEntries(CONTEXT_NAMES.map((context) => [context, defaultHealthPort(context)]));
    const listed = /\{([^}]*)\}\[process\.env\.APP\]/.exec(healthcheck)?.[1] ?? '';
    expect(Object.fromEntries([...listed.matchAll(/(\w+):\s*(\d+)/g)].map(([, app, port]) => [app, Number(port)]))).toEqual(defaults);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const sources = lines
      .filter((line) => /^COPY\s/i.test(line) && !/--from=/.test(line))
      .flatMap((line) =>
        line
          .split(/\s+/)
          .slice(1, -1)
          .filter((part) => !part.startsWith('--')),
      );
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => !existsSync(join(REPO, source)))).toEqual([]);
    expect(sources.filter((source) => ignoredByDockerignore(source))).toEqual([]);
  });

  it('starts the app that APP names from the path the build writes for every app', () => {
    expect(instruction('ENTRYPOINT')).toEqual(['ENTRYPOINT ["/app/docker/start-app.sh"]']);
    expect(readFileSync(join(DOCKER, 'start-app.sh'), 'utf8')).toContain('main="dist/apps/${app}/src/main.js"');
    const scripts = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(readFileSync(join(DOCKER, 'start-app.sh'), 'utf8')).toContain('exec node --enable-source-maps "$main"');
    for (const app of APPS) expect(scripts[`start:${app}`]).toBe(`exec node --enable-source-maps dist/apps/${app}/src/main.js`);
    expect(scripts.build).toMatch(/npm run --silent compile/);
    expect(scripts.compile).toMatch(/swc apps libs -d dist/);
  });
});

/** .dockerignore's rules, last match wins, a folder's rule covering what is inside it. */
function ignoredByDockerignore(path: string): boolean {
  const rules = readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => ({ negated: line.startsWith('!'), pattern: globToRegExp(line.replace(/^!/, '')) }));
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) if (prefixes.some((prefix) => rule.pattern.test(prefix))) ignored = !rule.negated;
  return ignored;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((part) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
    .join('');
  return new RegExp(`^${body}$`);
}

interface ComposeService {
  name: string;
  spec: Node;
  env: Record<string, string>;
}

function composeServices(file: string): ComposeService[] {
  const [compose] = parseYaml(file);
  return Object.entries((compose.services ?? {}) as Record<string, Node>).map(([name, spec]) => {
    const raw = spec.environment ?? {};
    const env = Array.isArray(raw)
      ? Object.fromEntries(raw.map((entry: string) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]))
      : Object.fromEntries(Object.entries(raw as Node).map(([key, value]) => [key, String(value)]));
    return { name, spec, env };
  });
}

const COMPOSE_FILES = ['compose.monolith.yml', 'compose.split.yml'];

describe.each(COMPOSE_FILES)('docker/%s', (fileName) => {
  const file = join(DOCKER, fileName);
  const services = composeServices(file);
  const apps = services.filter((service) => service.spec.image === IMAGE);

  it('names only configuration the apps read, with values they accept', () => {
    for (const service of services) {
      expect({ service: service.name, unknown: unknownVariables(Object.keys(service.env)) }).toEqual({ service: service.name, unknown: [] });
    }
    for (const app of apps) expect({ service: app.name, complaint: schemaComplaint(app.env) }).toEqual({ service: app.name, complaint: undefined });
  });

  it('runs apps that exist, each built from the Dockerfile', () => {
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) {
      expect(APPS).toContain(app.env.APP);
      expect(existsSync(join(dirname(file), app.spec.build.context, app.spec.build.dockerfile))).toBe(true);
    }
  });

  it('probes and publishes each app on the PORT it is given', () => {
    for (const app of apps) {
      const probe = /127\.0\.0\.1:(\d+)\/health\/(live|ready)/.exec([app.spec.healthcheck?.test ?? []].flat().join(' '));
      const published = ((app.spec.ports ?? []) as string[]).map((mapping) => mapping.split(':').pop());
      expect({ service: app.name, probe: probe?.[1], published }).toEqual({
        service: app.name,
        probe: app.env.PORT,
        published: published.map(() => app.env.PORT),
      });
    }
  });

  it('gives a context process its own database URL only', () => {
    for (const app of apps)
      expect({ service: app.name, foreign: foreignDatabaseUrls(app.env.APP, Object.keys(app.env)) }).toEqual({ service: app.name, foreign: [] });
  });

  it('waits only for services it defines, and mounts files that exist', () => {
    const names = services.map((service) => service.name);
    for (const service of services) {
      expect(Object.keys(service.spec.depends_on ?? {}).filter((name) => !names.includes(name))).toEqual([]);
      const mounts = ((service.spec.volumes ?? []) as string[]).map((volume) => volume.split(':')[0]).filter((source) => source.startsWith('.'));
      expect(mounts.filter((source) => !existsSync(join(dirname(file), source)))).toEqual([]);
    }
  });
});

describe('docker/compose.monolith.yml', () => {
  it('keeps the embedded database in a volume', () => {
    const [monolith] = composeServices(join(DOCKER, 'compose.monolith.yml'));
    expect(monolith.env.APP).toBe('monolith');
    expect(monolith.env.DATABASE_URL).toBeUndefined();
    expect(monolith.spec.volumes).toContainEqual(expect.stringMatching(new RegExp(`^[\\w-]+:${dirname(monolith.env.EMBEDDED_DB_DIR)}$`)));
  });
});

describe('docker/compose.split.yml', () => {
  const services = composeServices(join(DOCKER, 'compose.split.yml'));
  const byApp = new Map(services.filter((service) => service.env.APP).map((service) => [service.env.APP, service]));

  const nats = services.find((service) => service.name === 'nats')!;
  /** Where the nats container finds each file the compose file mounts into it. */
  const natsMounts = new Map(((nats.spec.volumes ?? []) as string[]).map((volume) => volume.split(':')).map(([source, target]) => [target, source] as const));

  it('runs the gateway and every context in its own process over NATS with JetStream, kept on a volume', () => {
    expect([...byApp.keys()].sort()).toEqual(['gateway', ...CONTEXT_NAMES].sort());
    for (const app of byApp.values()) expect(app.env.TRANSPORT).toBe('nats');
    const [, flag, configFile] = nats.spec.command as string[];
    expect(flag).toBe('--config');
    const config = readFileSync(join(DOCKER, natsMounts.get(configFile)!), 'utf8');
    const storeDir = /jetstream\s*\{[^}]*store_dir:\s*(\S+)/.exec(config)?.[1];
    expect(natsMounts.get(storeDir!)).toBe('nats-data');
  });

  it('runs NATS with the generated authorization, mounted beside the configuration that includes it, and every password it reads', () => {
    const configFile = (nats.spec.command as string[])[2];
    const include = /^include\s+(\S+)$/m.exec(readFileSync(join(DOCKER, natsMounts.get(configFile)!), 'utf8'))?.[1];
    expect(include).toBeDefined();
    expect(natsMounts.get(join(dirname(configFile), include!))).toBe('./nats/authorization.conf');
    expect(Object.keys(nats.env).sort()).toEqual([...NATS_USERS.values()].sort());
    // Required, not defaulted: a password written here would be everyone's.
    for (const [variable, value] of Object.entries(nats.env))
      expect({ variable, value }).toEqual({ variable, value: expect.stringMatching(new RegExp(`^\\$\\{${variable}:\\?`)) });
  });

  it('logs each app in to NATS as its own user, with the password NATS reads for that user', () => {
    for (const [app, service] of byApp) {
      const url = new URL(service.env.NATS_URL.replace(/\$\{(\w+)\}/g, '$1'));
      const user = natsUserName(DEFAULT_NATS_NAMESPACE, app as NatsProcess);
      expect({ app, user: url.username, password: url.password, host: url.host }).toEqual({
        app,
        user,
        password: NATS_USERS.get(user),
        host: 'nats:4222',
      });
    }
  });

  it('gives each context a database of its own that the init script creates', () => {
    const created = [...readFileSync(join(DOCKER, 'postgres', 'create-context-databases.sql'), 'utf8').matchAll(/CREATE DATABASE (\w+);/g)].map((m) => m[1]);
    const databases = CONTEXT_NAMES.map((context) =>
      new URL(byApp.get(context)!.env[`${context.toUpperCase()}_DATABASE_URL`].replace(/\$\{[^}]*\}/g, 'x')).pathname.slice(1),
    );
    expect(new Set(databases).size).toBe(CONTEXT_NAMES.length);
    expect(created.sort()).toEqual([...databases].sort());
  });
});

describe('docker/k8s', () => {
  const documents = readdirSync(K8S)
    .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
    .flatMap((name) => parseYaml(join(K8S, name)));
  const ofKind = (kind: string) => documents.filter((document) => document.kind === kind);
  const deploymentsOf = () => ofKind('Deployment');
  const volumesOf = (deployment: Node) => (deployment.spec.template.spec.volumes ?? []) as Node[];
  // A ConfigMap a pod mounts as files holds files; one it reads through envFrom holds variables.
  const mountedConfigMapNames = new Set(
    deploymentsOf().flatMap((deployment) =>
      volumesOf(deployment)
        .map((volume) => volume.configMap?.name)
        .filter(Boolean),
    ),
  );
  const fileConfigMaps = new Map(
    ofKind('ConfigMap')
      .filter((map) => mountedConfigMapNames.has(map.metadata.name))
      .map((map) => [map.metadata.name, map.data as Record<string, string>]),
  );
  const configMaps = new Map(
    ofKind('ConfigMap')
      .filter((map) => !mountedConfigMapNames.has(map.metadata.name))
      .map((map) => [map.metadata.name, map.data as Record<string, string>]),
  );
  const secrets = new Map(ofKind('Secret').map((secret) => [secret.metadata.name, secret.stringData as Record<string, string>]));
  const deployments = deploymentsOf();
  const containers = deployments.flatMap((deployment) => (deployment.spec.template.spec.containers as Node[]).map((container) => ({ deployment, container })));
  /** The variable a Secret key is read as: an app's own NATS URL is its NATS_URL. */
  const variableOfSecretKey = (key: string) => (APPS.some((app) => natsUrlKeyOf(app) === key) ? 'NATS_URL' : key);
  const literalEnv = (container: Node): Record<string, string> =>
    Object.fromEntries(((container.env ?? []) as Node[]).filter((entry) => entry.value !== undefined).map((entry) => [entry.name, String(entry.value)]));

  it('lists every manifest in kustomization.yaml', () => {
    const [kustomization] = parseYaml(join(K8S, 'kustomization.yaml'));
    const manifests = readdirSync(K8S).filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());
  });

  it('puts only configuration the apps read in ConfigMaps and Secrets, ConfigMap values the apps accept', () => {
    for (const [name, data] of configMaps) {
      expect({ name, unknown: unknownVariables(Object.keys(data)) }).toEqual({ name, unknown: [] });
      expect({ name, complaint: schemaComplaint(data) }).toEqual({ name, complaint: undefined });
    }
    for (const [name, data] of secrets) expect({ name, unknown: unknownVariables(Object.keys(data).map(variableOfSecretKey)) }).toEqual({ name, unknown: [] });
  });

  it('ships Secret placeholders that the apps refuse, so nobody runs on them by mistake', () => {
    for (const data of secrets.values()) {
      for (const [name, value] of Object.entries(data)) {
        expect({ name, refused: envSchema.extract(variableOfSecretKey(name)).validate(value).error !== undefined }).toEqual({ name, refused: true });
      }
    }
  });

  it('runs apps that exist, reading only configuration that exists', () => {
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual(['gateway', ...CONTEXT_NAMES].sort());
    for (const { deployment, container } of containers) {
      const env = literalEnv(container);
      expect({ deployment: deployment.metadata.name, app: env.APP }).toEqual({ deployment: deployment.metadata.name, app: deployment.metadata.name });
      expect(container.image).toBe(IMAGE);
      const names = ((container.env ?? []) as Node[]).map((entry) => entry.name as string);
      expect(unknownVariables(names)).toEqual([]);
      expect(schemaComplaint(env)).toBeUndefined();
      expect(foreignDatabaseUrls(env.APP, names)).toEqual([]);
      for (const source of (container.envFrom ?? []) as Node[])
        expect(configMaps.has(source.configMapRef?.name) || secrets.has(source.secretRef?.name)).toBe(true);
      for (const entry of (container.env ?? []) as Node[]) {
        const ref = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
        if (!ref) continue;
        const keys = { ...secrets.get(ref.name), ...configMaps.get(ref.name) };
        expect({ variable: entry.name, found: ref.key in keys }).toEqual({ variable: entry.name, found: true });
      }
    }
  });

  it('mounts into every app, from a ConfigMap, the runtime settings file CONFIG_FILE names, which the apps take', () => {
    const configFile = configMaps.get('tessera-config')?.CONFIG_FILE;
    expect(configFile).toMatch(/^\/.+\.yaml$/);
    for (const { deployment, container } of containers) {
      const mount = ((container.volumeMounts ?? []) as Node[]).find((candidate) => configFile!.startsWith(`${candidate.mountPath}/`));
      // A subPath mount is never updated when its ConfigMap changes: the directory is mounted.
      expect({ deployment: deployment.metadata.name, mounted: mount !== undefined, subPath: mount?.subPath }).toEqual({
        deployment: deployment.metadata.name,
        mounted: true,
        subPath: undefined,
      });
      const volume = volumesOf(deployment).find((candidate) => candidate.name === mount!.name);
      const files = fileConfigMaps.get(volume?.configMap?.name);
      const text = files?.[configFile!.slice(mount!.mountPath.length + 1)];
      expect(text).toBeDefined();
      expect(Object.keys(parseRuntimeSettings(text!)).sort()).toEqual([...RUNTIME_SETTING_NAMES].sort());
    }
  });

  it('gives each context its database URL and the gateway its JWT secret', () => {
    const names = (app: string) =>
      ((containers.find(({ deployment }) => deployment.metadata.name === app)?.container.env ?? []) as Node[]).map((entry) => entry.name);
    for (const context of CONTEXT_NAMES) expect(names(context)).toContain(`${context.toUpperCase()}_DATABASE_URL`);
    expect(names('gateway')).toContain('JWT_SECRET');
    expect(names('users')).toEqual(expect.arrayContaining(['ADMIN_PASSWORD']));
  });

  it('probes liveness and readiness on the PORT the container is given, as a user that is not root', () => {
    for (const { deployment, container } of containers) {
      const port = Number(literalEnv(container).PORT);
      const portNumber = (ref: string | number) => (typeof ref === 'number' ? ref : (container.ports as Node[]).find((p) => p.name === ref)?.containerPort);
      const probe = (name: string) => ({ path: container[name]?.httpGet?.path, port: portNumber(container[name]?.httpGet?.port) });
      expect({ deployment: deployment.metadata.name, live: probe('livenessProbe'), ready: probe('readinessProbe') }).toEqual({
        deployment: deployment.metadata.name,
        live: { path: '/health/live', port },
        ready: { path: '/health/ready', port },
      });
      expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      expect(container.resources?.requests?.cpu).toBeDefined();
    }
  });

  it('lets a drain take one pod of each app at a time, and spreads the replicas of an app that has several over nodes', () => {
    const podLabelsOf = (deployment: Node) => deployment.spec.template.metadata.labels as Record<string, string>;
    const selects = (selector: Node, labels: Record<string, string>) =>
      Object.entries(selector.matchLabels as Record<string, string>).every(([label, value]) => labels[label] === value);
    for (const deployment of deployments) {
      const budgets = ofKind('PodDisruptionBudget').filter((budget) => selects(budget.spec.selector, podLabelsOf(deployment)));
      expect({ deployment: deployment.metadata.name, budgets: budgets.map((budget) => budget.spec.maxUnavailable) }).toEqual({
        deployment: deployment.metadata.name,
        budgets: [1],
      });
      if (deployment.spec.replicas > 1) {
        const spread = (deployment.spec.template.spec.topologySpreadConstraints ?? []) as Node[];
        expect({
          deployment: deployment.metadata.name,
          spreadOverNodes: spread.some(
            (constraint) => constraint.topologyKey === 'kubernetes.io/hostname' && selects(constraint.labelSelector, podLabelsOf(deployment)),
          ),
        }).toEqual({ deployment: deployment.metadata.name, spreadOverNodes: true });
      }
    }
  });

  it('routes each Service to a Deployment port that exists', () => {
    for (const service of ofKind('Service')) {
      const target = deployments.find((deployment) =>
        Object.entries(service.spec.selector).every(([key, value]) => deployment.spec.template.metadata.labels[key] === value),
      );
      const ports = (target?.spec.template.spec.containers as Node[]).flatMap((container) => container.ports as Node[]);
      for (const port of service.spec.ports as Node[]) expect(ports.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort)).toBe(true);
    }
  });

  describe('NetworkPolicies', () => {
    const policies = ofKind('NetworkPolicy');
    const matchLabelsOf = (policy: Node) => (policy.spec.podSelector?.matchLabels ?? {}) as Record<string, string>;
    const [podMonitor] = parseYaml(join(K8S, 'monitoring', 'podmonitor.yaml'));
    const scrapedPortName = (podMonitor.spec.podMetricsEndpoints as Node[])[0].port as string;
    const TESSERA_PODS = [{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'tessera' } } }];
    const PROMETHEUS_PODS = [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }];
    /** Where an app listens for messages in TCP mode, by default: the gateway for the events it consumes, a context for its requests. */
    const messagePortOf = (app: string) => (app === 'gateway' ? DEFAULT_GATEWAY_TCP_PORT : DEFAULT_TCP_PORTS[app as ContextName]);
    const ascending = (a: number, b: number) => a - b;

    /** The ports a Deployment's own policies open, each with whom from (undefined: anywhere). */
    function openedPorts(deployment: Node): { port: number; from: unknown }[] {
      const labels = deployment.spec.template.metadata.labels as Record<string, string>;
      const containerPorts = (deployment.spec.template.spec.containers as Node[]).flatMap((container) => (container.ports ?? []) as Node[]);
      const numberOf = (port: string | number) =>
        typeof port === 'number' ? port : containerPorts.find((candidate) => candidate.name === port)?.containerPort;
      return policies
        .filter((policy) => Object.keys(matchLabelsOf(policy)).length > 0)
        .filter((policy) => Object.entries(matchLabelsOf(policy)).every(([key, value]) => labels[key] === value))
        .flatMap((policy) => (policy.spec.ingress ?? []) as Node[])
        .flatMap((rule) => ((rule.ports ?? [{ port: 'every port' }]) as Node[]).map((port) => ({ port: numberOf(port.port) as number, from: rule.from })));
    }

    it('deny every connection to the pods of the namespace unless another policy allows it', () => {
      const defaultDeny = policies.filter((policy) => Object.keys(policy.spec.podSelector ?? {}).length === 0);
      expect(defaultDeny).toHaveLength(1);
      expect(defaultDeny[0].metadata.namespace).toBe('tessera');
      expect(defaultDeny[0].spec.policyTypes).toEqual(['Ingress']);
      expect(defaultDeny[0].spec.ingress).toBeUndefined();
      for (const policy of policies)
        expect({ policy: policy.metadata.name, namespace: policy.metadata.namespace }).toEqual({ policy: policy.metadata.name, namespace: 'tessera' });
    });

    it("open each Deployment's container ports and its default TCP message port, and no other (a rule without ports would open all)", () => {
      for (const deployment of deployments) {
        const name = deployment.metadata.name as string;
        const containerPorts = (deployment.spec.template.spec.containers as Node[]).flatMap((container) =>
          ((container.ports ?? []) as Node[]).map((port) => port.containerPort),
        );
        expect({ name, opened: [...new Set(openedPorts(deployment).map(({ port }) => port))].sort(ascending) }).toEqual({
          name,
          opened: [...containerPorts, messagePortOf(name)].sort(ascending),
        });
      }
    });

    it('open the TCP message ports to the Tessera pods of the namespace alone', () => {
      for (const deployment of deployments) {
        const name = deployment.metadata.name as string;
        const rules = openedPorts(deployment).filter(({ port }) => port === messagePortOf(name));
        expect({ name, from: rules.map(({ from }) => from) }).toEqual({ name, from: [TESSERA_PODS] });
        expect(deployment.spec.template.metadata.labels).toMatchObject(TESSERA_PODS[0].podSelector.matchLabels);
      }
    });

    it("open the gateway's API to anyone, and a context's health port, which the PodMonitor scrapes, to Prometheus alone", () => {
      for (const deployment of deployments) {
        const name = deployment.metadata.name as string;
        const [container] = deployment.spec.template.spec.containers as Node[];
        const healthPort = ((container.ports ?? []) as Node[]).find((port) => port.name === scrapedPortName)?.containerPort;
        expect({ name, healthPort }).toEqual({ name, healthPort: Number(literalEnv(container).PORT) });
        const rules = openedPorts(deployment).filter(({ port }) => port === healthPort);
        expect({ name, from: rules.map(({ from }) => from) }).toEqual({ name, from: [name === 'gateway' ? undefined : PROMETHEUS_PODS] });
      }
    });
  });

  it("gives every app NATS_URL from the Secret, its own key there, whose placeholder logs in as the app's NATS user; no ConfigMap has it", () => {
    for (const [name, data] of configMaps) expect({ name, natsUrl: data.NATS_URL }).toEqual({ name, natsUrl: undefined });
    expect(configMaps.get('tessera-config')?.TRANSPORT).toBe('nats');
    const secret = secrets.get('tessera-secrets')!;
    expect(secret.NATS_URL).toBeUndefined();
    for (const { deployment, container } of containers) {
      const app = deployment.metadata.name as string;
      const natsUrl = ((container.env ?? []) as Node[]).find((entry) => entry.name === 'NATS_URL');
      expect({ app, from: natsUrl?.valueFrom?.secretKeyRef }).toEqual({ app, from: { name: 'tessera-secrets', key: natsUrlKeyOf(app) } });
      const user = natsUserName(DEFAULT_NATS_NAMESPACE, app as NatsProcess);
      expect({ app, placeholder: secret[natsUrlKeyOf(app)], userExists: NATS_USERS.has(user) }).toEqual({
        app,
        placeholder: expect.stringMatching(new RegExp(`^nats://${user}:<password>@[^/@]+:\\d+$`)),
        userExists: true,
      });
    }
  });

  it('scales catalog on CPU from two replicas', () => {
    const [autoscaler] = ofKind('HorizontalPodAutoscaler');
    expect(autoscaler.apiVersion).toBe('autoscaling/v2');
    expect(autoscaler.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'catalog' });
    expect(autoscaler.spec.minReplicas).toBe(2);
    expect(autoscaler.spec.metrics).toContainEqual(expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }));
    expect(deployments.find((deployment) => deployment.metadata.name === 'catalog')?.spec.replicas).toBe(2);
  });
});

describe('docker/k8s/monitoring', () => {
  const MONITORING = join(K8S, 'monitoring');
  const deployments = readdirSync(K8S)
    .filter((name) => name.endsWith('.yaml'))
    .flatMap((name) => parseYaml(join(K8S, name)))
    .filter((document) => document.kind === 'Deployment');
  const [podMonitor] = parseYaml(join(MONITORING, 'podmonitor.yaml'));
  const [rule] = parseYaml(join(MONITORING, 'prometheusrule.yaml'));

  it('lists its objects in a kustomization of its own, which docker/k8s leaves out: they need the operator', () => {
    const [kustomization] = parseYaml(join(MONITORING, 'kustomization.yaml'));
    const manifests = readdirSync(MONITORING).filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());
    expect(parseYaml(join(K8S, 'kustomization.yaml'))[0].resources).not.toContain('monitoring');
    expect([podMonitor.kind, rule.kind]).toEqual(['PodMonitor', 'PrometheusRule']);
  });

  it('holds in its PrometheusRule the groups of docker/observability/alerts.yml, as they are there', () => {
    const [alerts] = parseYaml(join(DOCKER, 'observability', 'alerts.yml'));
    expect(rule.spec.groups).toEqual(alerts.groups);
  });

  it("scrapes every Deployment's pods on their http port as job tessera, labelled with the app and the pod", () => {
    const [endpoint] = podMonitor.spec.podMetricsEndpoints as Node[];
    expect(endpoint.path).toBe('/metrics');
    for (const deployment of deployments) {
      const { labels } = deployment.spec.template.metadata;
      const name = deployment.metadata.name;
      expect({ name, namespace: podMonitor.metadata.namespace }).toEqual({ name, namespace: deployment.metadata.namespace });
      expect({ name, selected: Object.entries(podMonitor.spec.selector.matchLabels).every(([key, value]) => labels[key] === value) }).toEqual({
        name,
        selected: true,
      });
      // The process label is the pod's app.kubernetes.io/name, which is the app it runs, as compose's scrape configurations name it.
      expect({ name, app: labels['app.kubernetes.io/name'] }).toEqual({ name, app: name });
      const ports = (deployment.spec.template.spec.containers as Node[]).flatMap((container) => (container.ports ?? []) as Node[]);
      expect({ name, port: ports.some((port) => port.name === endpoint.port) }).toEqual({ name, port: true });
    }
    expect(endpoint.relabelings).toEqual(
      expect.arrayContaining([
        { targetLabel: 'job', replacement: 'tessera' },
        { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'process' },
        { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'instance' },
      ]),
    );
  });
});

describe('docs/config.example.yaml', () => {
  it('is a CONFIG_FILE the apps take, setting every runtime setting', () => {
    const example = readFileSync(join(REPO, 'docs', 'config.example.yaml'), 'utf8');
    expect(Object.keys(parseRuntimeSettings(example)).sort()).toEqual([...RUNTIME_SETTING_NAMES].sort());
  });
});
