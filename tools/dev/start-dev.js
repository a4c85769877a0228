#!/usr/bin/env node
// `npm run start:dev`: the monolith, rebuilt by swc on every change under apps/ and libs/ and restarted in place by
// dev-host.js, which keeps node_modules loaded between restarts. `npm run start:debug` (--inspect) does the same with
// the inspector on 127.0.0.1:9229, which stays attached across restarts. Ctrl-C or SIGTERM stops both.
//
// swc's watch compiles everything once before it watches; the app starts only after that, or every file it loads
// would change under it and restart it at once.
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { ROOT, NPM } = require('./build');

const USAGE = 'usage: npm run start:dev [-- --inspect]';
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--inspect');
if (unknown.length > 0) {
  process.stderr.write(`start:dev does not know ${unknown.join(' ')}; ${USAGE}\n`);
  process.exit(2);
}
const inspect = args.includes('--inspect');
const HOST = join(__dirname, 'dev-host.js');
const WATCHING = 'Watching for file changes.';
// swc's line for each file it compiled while watching, its path relative to the repository.
const COMPILED = /^Successfully compiled (\S+\.ts) with swc/;
// A save of several files (a checkout, a rename) comes as a burst of lines: one restart for the burst.
const BURST_MS = 30;

// A group of its own, so that stopping it stops npm, its shell and swc alike; through group-of-parent.js, which ends
// that group should this process be killed without a chance to.
const compiler = spawn(process.execPath, [join(__dirname, 'group-of-parent.js'), NPM, 'run', '--silent', 'compile', '--', '--watch'], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  detached: true,
});
let app;
let watching = false;
let stopping = false;
let compiled = [];
let burst;

function relay(stream, target) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      target.write(`[swc] ${line}\n`);
      const file = COMPILED.exec(line)?.[1];
      if (file && watching) changed(file);
      if (!watching && line.includes(WATCHING)) {
        watching = true;
        startApp();
      }
    }
  });
}

function changed(file) {
  compiled.push(file);
  clearTimeout(burst);
  burst = setTimeout(() => {
    const files = compiled;
    compiled = [];
    if (app?.connected) app.send({ compiled: files });
    else startApp();
  }, BURST_MS);
}

function startApp() {
  // Its own group: a Ctrl-C reaches the app once, from here, and stop() waits for it to close.
  const flags = ['--enable-source-maps', ...(inspect ? ['--inspect'] : [])];
  const started = spawn(process.execPath, [...flags, HOST], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
  app = started;
  started.on('exit', (code, signal) => {
    if (app === started) app = undefined;
    if (!stopping) process.stderr.write(`start:dev: the monolith stopped (${signal ?? `exit code ${code}`}); it starts again when you save a change\n`);
  });
}

// The app answers what it holds for up to 5 s (DRAIN_MS) as it stops; one still running after this is stuck (a busy
// loop, a hook that never ends), and is killed.
const STOP_GRACE_MS = 10_000;

/** Stops swc and the app, and then this process; a second Ctrl-C, or an app stuck in stopping, kills them at once. */
function stop(reason) {
  if (stopping) {
    process.stderr.write('start:dev: stopping at once\n');
    return kill();
  }
  stopping = true;
  if (reason) process.stderr.write(`start:dev: ${reason}; stopping\n`);
  const ended = [compiler, app]
    .filter(Boolean)
    .map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve))));
  signalGroup(compiler, 'SIGTERM');
  if (app) app.kill('SIGTERM');
  setTimeout(() => {
    process.stderr.write(`start:dev: the monolith did not stop within ${STOP_GRACE_MS / 1000} s; killing it\n`);
    kill();
  }, STOP_GRACE_MS).unref();
  void Promise.all(ended).then(() => process.exit(reason ? 1 : 0));
}

function kill() {
  signalGroup(compiler, 'SIGKILL');
  if (app) signalGroup(app, 'SIGKILL');
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group has ended already.
  }
}

relay(compiler.stdout, process.stdout);
relay(compiler.stderr, process.stderr);
compiler.on('exit', (code, signal) => {
  if (!stopping) stop(`swc's watch ended (${signal ?? `exit code ${code}`})`);
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop());
