import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { applyPlan, nameProblem, planContext, spell } from './new-context';

// Run from dist (npm run new:context compiles it first); the templates and the repository are read from the sources.
const root = resolve(__dirname, '..', '..', '..');
const name = process.argv[2];

function fail(message: string): never {
  process.stderr.write(`new:context: ${message}\n`);
  process.exit(1);
}

const problem = nameProblem(root, name);
if (problem) fail(problem);

let plan: ReturnType<typeof planContext>;
try {
  plan = planContext(root, name);
} catch (error) {
  fail((error as Error).message);
}
applyPlan(root, plan);
process.stdout.write(
  `Created the ${name} context:\n${Object.keys(plan.created)
    .map((file) => `  + ${file}`)
    .join('\n')}\n`,
);
process.stdout.write(
  `Added ${name} where the contexts are listed:\n${Object.keys(plan.edited)
    .map((file) => `  ~ ${file}`)
    .join('\n')}\n`,
);

// The files are written from templates and text anchors; Prettier gives them the layout npm run lint checks.
const written = [...Object.keys(plan.created), ...Object.keys(plan.edited)];
execFileSync(process.execPath, [require.resolve('prettier/bin/prettier.cjs'), '--write', '--ignore-unknown', '--log-level', 'warn', ...written], {
  cwd: root,
  stdio: 'inherit',
});

process.stdout.write('Writing docs/context-map.md (npm run context-map) ...\n');
try {
  execFileSync('npm', ['run', '--silent', 'context-map'], { cwd: root, stdio: 'inherit' });
} catch {
  process.stderr.write('new:context: docs/context-map.md is stale: run npm run context-map once the build passes\n');
}

const { Name, NAME } = spell(name);
process.stdout.write(`
Next:
  - npx jest libs/${name}, npm run typecheck and npm run lint:boundaries
  - npm start: the monolith hosts ${name} too; npm run start:${name} runs it alone (${NAME}_TCP_ADDRESS, ${NAME}_DATABASE_URL)
  - libs/${name}/README.md: say what the context owns; add use cases as libs/${name}/README.md describes,
    their patterns in ${NAME}_PATTERNS, and run npm run context-map after each new pattern or event
  - ${Name}Module is in the monolith's CONTEXT_MODULES; the split compose file and docker/k8s/${name}.yaml run it alone
  - docs: mention ${name} in README.md and docs/ARCHITECTURE.md where the contexts are listed
`);
