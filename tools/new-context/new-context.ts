import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** A context name as code spells it: `inventory`, `Inventory`, `INVENTORY`. */
export interface ContextSpelling {
  name: string;
  Name: string;
  NAME: string;
}

/** What the generator writes: new files and the new text of files it changes, by path from the repository root. */
export interface ContextPlan {
  created: Record<string, string>;
  edited: Record<string, string>;
}

const TEMPLATES = join('tools', 'new-context', 'templates');
const TEMPLATE_SUFFIX = '.tmpl';
const CONTEXT_NAMES_FILE = 'libs/contracts/src/common/context-name.ts';
const CONTEXT_NAMES_DECLARATION = /(export const CONTEXT_NAMES = \[)([^\]]*)(\] as const;)/;

// Becomes an environment name prefix (INVENTORY_DATABASE_URL), a schema, TypeScript identifiers and kebab-case file
// names: a hyphen breaks the first and the identifiers, an underscore the file names.
const CONTEXT_NAME_RULE = /^[a-z][a-z0-9]*$/;

/** Identifiers whose folders mean something else already, and what. */
const RESERVED_NAMES: Readonly<Record<string, string>> = {
  dist: 'git ignores every dist/ folder',
  coverage: 'git ignores every coverage/ folder',
  testing: 'the build and the boundary rules treat testing/ folders as test fakes',
  index: 'libs/contracts/src/index.ts would shadow its contracts',
};

export function spell(name: string): ContextSpelling {
  return { name, Name: name[0].toUpperCase() + name.slice(1), NAME: name.toUpperCase() };
}

/** The contexts the repository has now, as CONTEXT_NAMES lists them. */
export function existingContexts(root: string): string[] {
  const declaration = CONTEXT_NAMES_DECLARATION.exec(readFileSync(join(root, CONTEXT_NAMES_FILE), 'utf8'));
  if (!declaration) throw new Error(`${CONTEXT_NAMES_FILE} no longer declares CONTEXT_NAMES as a list of names`);
  return [...declaration[2].matchAll(/'([^']+)'/g)].map((match) => match[1]);
}

/** Why `name` cannot be a new context here, in one line, or undefined when it can. */
export function nameProblem(root: string, name: string | undefined): string | undefined {
  if (!name) return 'Name the new context: npm run new:context -- <name>, e.g. inventory';
  if (!CONTEXT_NAME_RULE.test(name)) return `"${name}" is not a context name: use a lowercase identifier (a letter, then letters or digits), e.g. inventory`;
  if (Object.hasOwn(RESERVED_NAMES, name)) return `"${name}" cannot name a context: ${RESERVED_NAMES[name]}`;
  if (existingContexts(root).includes(name)) return `"${name}" is a context already (CONTEXT_NAMES): choose another name`;
  const taken = [`libs/${name}`, `apps/${name}`, `libs/contracts/src/${name}`].find((path) => existsSync(join(root, path)));
  if (taken) return `"${name}" is taken: ${taken} exists`;
  return undefined;
}

/**
 * Everything a new context needs: its lib, contracts and app from the
 * templates, and its name added wherever the set of contexts is written down.
 * Throws, before anything is written, when a file no longer looks as expected.
 */
export function planContext(root: string, name: string, now = new Date()): ContextPlan {
  const spelling = spell(name);
  const healthPort = 3001 + existingContexts(root).length;
  const tokens: Record<string, string> = {
    __name__: spelling.name,
    __Name__: spelling.Name,
    __NAME__: spelling.NAME,
    __MIGRATION_TIMESTAMP__: String(now.getTime()),
    __HEALTH_PORT__: String(healthPort),
    __TCP_PORT__: String(tcpPortOf(healthPort)),
  };
  const fill = (text: string) => text.replace(/__(name|Name|NAME|MIGRATION_TIMESTAMP|HEALTH_PORT|TCP_PORT)__/g, (token) => tokens[token]);
  const templates = join(root, TEMPLATES);
  const created = Object.fromEntries(
    templateFiles(templates).map((template) => [fill(relative(templates, template).slice(0, -TEMPLATE_SUFFIX.length)), fill(readFileSync(template, 'utf8'))]),
  );
  const edited: Record<string, string> = {};
  for (const [file, edit] of Object.entries(listEdits(spelling, healthPort))) {
    const text = readFileSync(join(root, file), 'utf8');
    try {
      edited[file] = edit(text);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}; add ${name} there by hand`, { cause: error });
    }
  }
  return { created, edited };
}

export function applyPlan(root: string, plan: ContextPlan): void {
  for (const [file, text] of Object.entries({ ...plan.created, ...plan.edited })) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
}

function templateFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? templateFiles(path) : entry.endsWith(TEMPLATE_SUFFIX) ? [path] : [];
  });
}

/** The context's TCP port: the one topology.ts gives it by default, its place in CONTEXT_NAMES after 4001, as its health port's after 3001. */
function tcpPortOf(healthPort: number): number {
  return healthPort + 1000;
}

type Edit = (text: string) => string;

/** The files that list every context by hand, and how the new one joins each list. */
function listEdits({ name, Name, NAME }: ContextSpelling, healthPort: number): Record<string, Edit> {
  const tsPath = jsonEntryAfterLast(
    /^\s*"@tessera\/[a-z-]+": \["\.\/libs\/[a-z-]+\/src\/index\.ts"\],?$/,
    `"@tessera/${name}": ["./libs/${name}/src/index.ts"]`,
  );
  return {
    [CONTEXT_NAMES_FILE]: replaceOnce(CONTEXT_NAMES_DECLARATION, (_, start, names, end) => `${start}${names}, '${name}'${end}`),
    'libs/contracts/src/index.ts': lineAfterLast(/^export \* from '\.\/[a-z-]+';$/, `export * from './${name}';`),
    'libs/contracts/src/common/query-patterns.ts': chain(
      lineAfterLast(
        /^import \{ [A-Z_]+_QUERY_PATTERNS \} from '\.\.\/[a-z-]+\/[a-z-]+\.patterns';$/,
        `import { ${NAME}_QUERY_PATTERNS } from '../${name}/${name}.patterns';`,
      ),
      lineAfterLast(/^ {2}\.\.\.[A-Z_]+_QUERY_PATTERNS,$/, `  ...${NAME}_QUERY_PATTERNS,`),
    ),
    'apps/monolith/src/monolith.module.ts': chain(
      lineAfterLast(/^import \{ [A-Za-z]+Module \} from '@tessera\/[a-z-]+';$/, `import { ${Name}Module } from '@tessera/${name}';`),
      // Prettier lays the entries out again afterwards, on one line or several.
      replaceOnce(/(export const CONTEXT_MODULES\b[^=]*= \{[^}]*?)(,?\s*\};)/, (_, entries, end) => `${entries}, ${name}: ${Name}Module${end}`),
    ),
    'tsconfig.json': tsPath,
    '.swcrc': tsPath,
    'nest-cli.json': nestProjects(name),
    'package.json': jsonEntryAfterLast(
      /^\s*"start:[a-z-]+": "exec node --enable-source-maps dist\/apps\/[a-z-]+\/src\/main\.js",?$/,
      `"start:${name}": "exec node --enable-source-maps dist/apps/${name}/src/main.js"`,
    ),
    '.env.example': chain(
      lineAfterLast(/^# [A-Z]+_DATABASE_URL=$/, `# ${NAME}_DATABASE_URL=`),
      lineAfterLast(/^# (?!GATEWAY_)[A-Z]+_TCP_ADDRESS=\S+$/, `# ${NAME}_TCP_ADDRESS=127.0.0.1:${tcpPortOf(healthPort)}`),
      lineAfterLast(/^# [A-Z]+_TCP_LISTEN_ADDRESS=$/, `# ${NAME}_TCP_LISTEN_ADDRESS=`),
    ),
    'tools/move-context/copy-by-migrations.ts': chain(
      lineAfterLast(/^import \{ [A-Z_]+_MIGRATIONS \} from '@tessera\/[a-z-]+';$/, `import { ${NAME}_MIGRATIONS } from '@tessera/${name}';`),
      lineAfterLast(/^ {2}[a-z-]+: [A-Z_]+_MIGRATIONS,$/, `  ${name}: ${NAME}_MIGRATIONS,`),
    ),
    '.dependency-cruiser.js': replaceOnce(/(const CONTEXTS = '\()([^)]*)(\)';)/, (_, start, names, end) => `${start}${names}|${name}${end}`),
    'docker/Dockerfile': replaceOnce(/(\{[^{}]*: \d+)( \}\[process\.env\.APP\])/, (_, ports, end) => `${ports}, ${name}: ${healthPort}${end}`),
    'docker/postgres/create-context-databases.sql': lineAfterLast(/^CREATE DATABASE \w+;$/, `CREATE DATABASE ${name};`),
    'docker/k8s/kustomization.yaml': lineAfterLast(/^ {2}- [a-z-]+\.yaml$/, `  - ${name}.yaml`),
    'docker/k8s/secret.yaml': lineAfterLast(/^ {2}[A-Z]+_DATABASE_URL: REPLACE$/, `  ${NAME}_DATABASE_URL: REPLACE`),
    'docker/compose.split.yml': chain(composeService(name, NAME, healthPort), gatewayWaitsFor(name)),
    'docker/observability/compose.split.yml': lineAfterLast(/^ {4}environment: \*otlp-environment$/, `  ${name}:\n    environment: *otlp-environment`),
    'docker/observability/prometheus.split.yml': lineAfterLast(
      /^ {8}labels: \{ process: [a-z-]+ \}$/,
      `      - targets: ["${name}:${healthPort}"]\n        labels: { process: ${name} }`,
    ),
  };
}

function chain(...edits: Edit[]): Edit {
  return (text) => edits.reduce((current, edit) => edit(current), text);
}

function replaceOnce(pattern: RegExp, replacer: (...groups: string[]) => string): Edit {
  return (text) => {
    if (!pattern.test(text)) throw new Error(`found no ${pattern}`);
    return text.replace(pattern, replacer as (substring: string, ...args: unknown[]) => string);
  };
}

/** Inserts `line` after the last line matching `pattern`. */
function lineAfterLast(pattern: RegExp, line: string): Edit {
  return (text) => {
    const lines = text.split('\n');
    lines.splice(lastLineLike(lines, pattern) + 1, 0, line);
    return lines.join('\n');
  };
}

/** Inserts a JSON object member after the last line matching `pattern`, at its indentation, keeping the commas valid. */
function jsonEntryAfterLast(pattern: RegExp, entry: string): Edit {
  return (text) => {
    const lines = text.split('\n');
    const last = lastLineLike(lines, pattern);
    const indent = /^\s*/.exec(lines[last])![0];
    const followed = lines[last].endsWith(',');
    if (!followed) lines[last] += ',';
    lines.splice(last + 1, 0, `${indent}${entry}${followed ? ',' : ''}`);
    return lines.join('\n');
  };
}

function lastLineLike(lines: string[], pattern: RegExp): number {
  const last = lines.findLastIndex((candidate) => pattern.test(candidate));
  if (last < 0) throw new Error(`found no line like ${pattern}`);
  return last;
}

function nestProjects(name: string): Edit {
  return (text) => {
    const config = JSON.parse(text) as { projects?: Record<string, unknown> };
    if (!config.projects) throw new Error('found no "projects"');
    config.projects[name] = { type: 'application', root: `apps/${name}`, entryFile: 'main', sourceRoot: `apps/${name}/src` };
    config.projects[`${name}-context`] = { type: 'library', root: `libs/${name}`, entryFile: 'index', sourceRoot: `libs/${name}/src` };
    return `${JSON.stringify(config, null, 2)}\n`;
  };
}

/** The context's service in the split compose file, before the gateway's, as the other contexts have theirs. */
function composeService(name: string, NAME: string, healthPort: number): Edit {
  const service = [
    `  ${name}:`,
    '    <<: *tessera-app',
    '    environment:',
    '      <<: *tessera-environment',
    `      APP: ${name}`,
    `      PORT: "${healthPort}"`,
    `      ${NAME}_DATABASE_URL: postgres://tessera:\${POSTGRES_PASSWORD}@postgres:5432/${name}`,
    '    depends_on: *context-depends-on',
    '    healthcheck:',
    `      test: ["CMD", "node", "-e", "fetch('http://127.0.0.1:${healthPort}/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]`,
    '      interval: 10s',
    '      timeout: 5s',
    '      retries: 6',
    '      start_period: 60s',
    '',
  ].join('\n');
  return replaceOnce(/^ {2}gateway:$/m, (gateway) => `${service}\n${gateway}`);
}

/** The gateway starts once every context is healthy: the new one joins the end of its depends_on. */
function gatewayWaitsFor(name: string): Edit {
  return (text) => {
    const lines = text.split('\n');
    const gateway = lines.indexOf('  gateway:');
    const dependsOn = lines.findIndex((line, index) => index > gateway && line === '    depends_on:');
    if (gateway < 0 || dependsOn < 0) throw new Error('found no depends_on of the gateway service');
    let end = dependsOn + 1;
    while (end < lines.length && lines[end].startsWith('      ')) end++;
    lines.splice(end, 0, `      ${name}:`, '        condition: service_healthy');
    return lines.join('\n');
  };
}
