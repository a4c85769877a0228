#!/usr/bin/env node
// `npm run start:dev`: the monolith, rebuilt by swc on every change under apps/ and libs/ and restarted by Node's own
// watch mode. `npm run start:debug` (--inspect) does the same with the inspector on 127.0.0.1:9229. Ctrl-C or SIGTERM
// stops both.
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
const MAIN = join('dist', 'apps', 'monolith', 'src', 'main.js');
const WATCHING = 'Watching for file changes.';

// A group of its own, so that stopping it stops npm, its shell and swc alike.
const compiler = spawn(NPM, ['run', '--silent', 'compile', '--', '--watch'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let app;
let stopping = false;

function relay(stream, target) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      target.write(`[swc] ${line}\n`);
      if (!app && line.includes(WATCHING)) startApp();
    }
  });
}

function startApp() {
  // Node's watch mode restarts the app when a file it loaded changes, and preserves what it printed before.
  // Its own group: a Ctrl-C reaches the app once, through the watcher, which waits for it to stop.
  const flags = ['--watch', '--watch-preserve-output', '--enable-source-maps', ...(inspect ? ['--inspect'] : [])];
  app = spawn(process.execPath, [...flags, MAIN], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  app.on('exit', (code, signal) => {
    if (!stopping) stop(`the app's watcher ended (${signal ?? `exit code ${code}`})`);
  });
}

function stop(reason) {
  if (stopping) return;
  stopping = true;
  if (reason) process.stderr.write(`start:dev: ${reason}; stopping\n`);
  const ended = [compiler, app]
    .filter(Boolean)
    .map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve))));
  signalGroup(compiler, 'SIGTERM');
  if (app) app.kill('SIGTERM');
  void Promise.all(ended).then(() => process.exit(reason ? 1 : 0));
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
