/**
 * The boundaries that make a context extractable, checked in `npm test`.
 * A context is reached only through its messages: nothing outside it may
 * import its code, and its domain stays free of frameworks.
 */
const CONTEXTS = '(users|catalog|ordering|payments)';

module.exports = {
  forbidden: [
    {
      name: 'context-imports-another-context',
      comment: 'Contexts talk through @tessera/contracts and messages only (ARCHITECTURE.md rule 1).',
      severity: 'error',
      from: { path: `^libs/${CONTEXTS}/` },
      to: { path: `^libs/${CONTEXTS}/`, pathNot: ['^libs/$1/'] },
    },
    {
      name: 'gateway-imports-a-context',
      comment: 'The gateway reaches contexts only through their clients and contracts.',
      severity: 'error',
      from: { path: '^libs/gateway/' },
      to: { path: `^libs/${CONTEXTS}/` },
    },
    {
      name: 'context-imports-the-gateway',
      comment: 'The gateway calls contexts, never the other way: a context runs in processes without one.',
      severity: 'error',
      from: { path: `^libs/${CONTEXTS}/` },
      to: { path: '^libs/gateway/' },
    },
    {
      name: 'shared-lib-imports-a-context-or-the-gateway',
      comment: 'contracts, shared-kernel, messaging and platform serve every context and know none of them.',
      severity: 'error',
      from: { path: '^libs/(contracts|shared-kernel|messaging|platform)/' },
      to: { path: `^libs/(${CONTEXTS.slice(1, -1)}|gateway)/` },
    },
    {
      name: 'contracts-depend-on-nothing',
      comment: 'The published language is plain types and constants, importable by anyone anywhere.',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { pathNot: '^libs/contracts/' },
    },
    {
      name: 'domain-imports-a-framework',
      comment: 'domain/ is plain TypeScript: no Nest, no TypeORM, no infrastructure.',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/domain/' },
      to: {
        path: [
          '(^|/)node_modules/(@nestjs|typeorm|pg|@electric-sql)/',
          '^libs/[^/]+/src/(application|infrastructure|interface)/',
          '^libs/(messaging|platform|gateway)/',
        ],
      },
    },
    {
      name: 'shared-kernel-imports-a-framework',
      comment: 'Every domain/ imports the shared kernel, so it is plain TypeScript too: a framework there reaches them all.',
      severity: 'error',
      from: { path: '^libs/shared-kernel/' },
      to: { path: '(^|/)node_modules/(@nestjs|typeorm|pg|@electric-sql)/' },
    },
    {
      name: 'context-internals-used-from-outside',
      comment: "A context's index.ts is its only entry: apps compose the module, nothing reaches inside.",
      severity: 'error',
      from: { pathNot: `^libs/${CONTEXTS}/` },
      to: { path: `^libs/${CONTEXTS}/src/`, pathNot: `^libs/${CONTEXTS}/src/index\\.ts$` },
    },
    {
      name: 'lib-imports-an-app',
      comment: 'Apps are composition roots; business code lives in libs.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'production-imports-a-test-fake',
      comment: 'Fakes live in testing/ folders, which the build leaves out: only specs and other fakes may use them.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: '/testing/' },
      to: { path: '^libs/.+/testing/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.spec\\.ts$)' },
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
  },
};
