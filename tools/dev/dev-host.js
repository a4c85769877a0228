#!/usr/bin/env node
// The process `npm run start:dev` runs the monolith in. It outlives the app: when start-dev says which files swc has
// just compiled, and the app loaded one of them, it closes the app, forgets every module of dist/ and starts the app
// again from the new build. What stays loaded is node_modules (Nest, TypeORM, Fastify, PGlite, pino...), about 2,300
// of the 2,700 modules a cold start loads and most of its second, so a change is served again in under a second
// (ADR 0014).
//
// A restart in a new process is start-dev's job, and the safe way out of anything unusual here: when the app fails to
// start or to close, or fails while running, this process ends and start-dev starts a fresh one at the next change.
// A half-started app may hold the embedded database's lock or a port, which only the end of its process releases.
require('reflect-metadata');
const { join, sep } = require('node:path');

const DIST = join(__dirname, '..', '..', 'dist') + sep;
const APP = join(DIST, 'apps', 'monolith', 'src', 'monolith.app.js');
const PLATFORM = join(DIST, 'libs', 'platform', 'src', 'index.js');

// Loaded once: it reads .env, starts tracing, which patches http and pg and must not patch them twice, and opens the
// embedded database early for the first app (ADR 0028); an app closes it as it stops, and a restarted one opens it.
require(join(DIST, 'apps', 'monolith', 'src', 'instrument.js'));

let app;
let restarting;
// Set once the process is asked to stop: no restart may start the app again after that.
let stopping = false;

async function start() {
  try {
    app = await require(APP).startMonolith();
  } catch (error) {
    process.stderr.write(`\nTessera could not start: ${error?.message ?? error}\n\n`);
    // A refusal (configuration, a missing dependency) is said in its line; anything else is likely the change just
    // saved, and its stack says where.
    if (!isRefusal(error) || process.env.LOG_LEVEL === 'debug') process.stderr.write(`${error?.stack}\n`);
    process.exit(1);
  }
}

function isRefusal(error) {
  try {
    const { exitCodeOf, EXIT_CODES } = require(PLATFORM);
    return exitCodeOf(error) !== EXIT_CODES.failure;
  } catch {
    // The platform itself did not load, which is no refusal.
    return false;
  }
}

/** Whether the running app loaded the build of any of these sources (paths relative to the repository). */
function loadsAnyOf(sources) {
  return sources.some((source) => require.cache[join(DIST, source.replace(/\.ts$/, '.js'))] !== undefined);
}

async function restart(sources) {
  if (stopping) return;
  const began = Date.now();
  const closing = app;
  app = undefined;
  try {
    await closing?.close();
  } catch (error) {
    process.stderr.write(`start:dev: the app failed to stop (${error?.message ?? error}); it restarts in a new process\n`);
    process.exit(1);
  }
  if (stopping) process.exit(0);
  forgetBuild();
  await start();
  // Asked to stop while the new app started, before its shutdown hooks listened.
  if (stopping) {
    await app.close().catch(() => undefined);
    process.exit(0);
  }
  process.stdout.write(`start:dev: restarted in ${Date.now() - began} ms, after ${describe(sources)} changed\n`);
}

/**
 * Drops every module of dist/ from Node's cache, and every reference that
 * would keep the old build alive (a restart would otherwise leak a few MB):
 * the `children` of the modules that loaded them, TypeORM's, class-validator's
 * and class-transformer's decorator metadata, and the entities
 * `@nestjs/typeorm` lists per data source. prom-client's registry would also
 * refuse the new build's metrics, registered a second time.
 */
function forgetBuild() {
  for (const file of Object.keys(require.cache)) if (file.startsWith(DIST)) delete require.cache[file];
  for (const loaded of [require.main, ...Object.values(require.cache)]) {
    if (loaded) loaded.children = loaded.children.filter((child) => !child.filename.startsWith(DIST));
  }
  require('prom-client').register.clear();
  delete globalThis.typeormMetadataArgsStorage;
  delete globalThis.classValidatorMetadataStorage;
  require('class-transformer/cjs/storage').defaultMetadataStorage.clear();
  require('@nestjs/typeorm/dist/entities-metadata.storage').EntitiesMetadataStorage.storage.clear();
}

function describe(sources) {
  return sources.length === 1 ? sources[0] : `${sources[0]} and ${sources.length - 1} more`;
}

process.on('message', (message) => {
  if (message?.compiled && loadsAnyOf(message.compiled)) restarting = restarting.then(() => restart(message.compiled));
});
// Asked to stop (the app's own shutdown hooks close it), a restart queued behind it must not start the app again.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => (stopping = true));
// start-dev is gone (killed, so it could not stop this): close the app, which holds the embedded database's lock and
// the port the next start-dev needs, and end.
process.once('disconnect', () => {
  stopping = true;
  void Promise.resolve(app?.close())
    .catch(() => undefined)
    .finally(() => process.exit(1));
});
// Whatever escapes the app while it runs ends this process, as it would end the app's own; start-dev waits for a change.
process.on('uncaughtException', (error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});

restarting = start();
