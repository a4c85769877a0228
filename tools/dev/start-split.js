#!/usr/bin/env node
// `npm run start:split [-- --transport tcp|nats|rmq] [--port 3000]`: the gateway and every context, each a process
// of its own, from the build (built first when missing or older than the sources), every line prefixed with its
// process's name. Ctrl-C or SIGTERM stops them all; when one ends by itself, the others are stopped too.
//
// Each process gets what the README's split asks for by hand: TRANSPORT, and its HTTP port (the gateway `--port`, the
// contexts the ports after it, as their defaults 3000 to 3004 are); over TCP, the addresses of the gateway and of each
// context a thousand above those (4000 to 4004 by default, the apps' own defaults), so that a split moved with --port
// takes no port of another. The broker URLs and everything else come from the environment or .env, as for any
// process; so does a TCP address set there. Without DATABASE_URL each context keeps its own embedded database, in
// .data/split/<context>, or under EMBEDDED_DB_DIR when that is set (`memory`: in memory).
const { concurrently } = require('concurrently');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs, parseEnv } = require('node:util');
const { buildIfNeeded, ROOT } = require('./build');

// .env as every app reads it, the environment winning, before this chooses each process's PORT and EMBEDDED_DB_DIR:
// set here for a process, they would win over the file the process reads.
const ENV_FILE = join(ROOT, '.env');
if (existsSync(ENV_FILE))
  for (const [name, value] of Object.entries(parseEnv(readFileSync(ENV_FILE, 'utf8').replace(/^\uFEFF/, '')))) process.env[name] ??= value;

const TRANSPORTS = ['tcp', 'nats', 'rmq'];
const USAGE = 'usage: npm run start:split -- [--transport tcp|nats|rmq] [--port 3000]';

function options() {
  try {
    const { values } = parseArgs({
      options: { transport: { type: 'string', default: 'tcp' }, port: { type: 'string', default: process.env.PORT || '3000' }, help: { type: 'boolean' } },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (!TRANSPORTS.includes(values.transport)) throw new Error(`--transport must be one of ${TRANSPORTS.join(', ')}, not "${values.transport}"`);
    const port = Number(values.port);
    // The contexts' ports follow it, and over TCP their addresses a thousand above.
    if (!Number.isInteger(port) || port < 1 || port > (values.transport === 'tcp' ? 64500 : 65500))
      throw new Error(`--port must be a port number whose next ports are free for the contexts, not "${values.port}"`);
    return { transport: values.transport, port };
  } catch (error) {
    process.stderr.write(`start:split: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
}

function embeddedDatabaseOf(context) {
  const root = process.env.EMBEDDED_DB_DIR;
  if (root === 'memory') return 'memory';
  return join(root || join('.data', 'split'), context);
}

const { transport, port } = options();
buildIfNeeded();
// Every context the build has, new ones (npm run new:context) included.
const { CONTEXT_NAMES: CONTEXTS } = require(join(ROOT, 'dist', 'libs', 'contracts', 'src', 'common', 'context-name.js'));

// `exec`: concurrently runs each command under `sh -c`, which stays as node's parent otherwise, so that a signal sent
// to the pid it reports would reach the shell and leave node running.
const node = `exec "${process.execPath}" --enable-source-maps`;
// The processes write to a pipe, where they would choose JSON: a person at this terminal reads them.
const format = process.stdout.isTTY && !process.env.LOG_FORMAT ? { LOG_FORMAT: 'pretty' } : {};
const TCP_ABOVE_HTTP = 1000;
const tcpAddresses =
  transport === 'tcp'
    ? Object.fromEntries(
        [['GATEWAY_TCP_ADDRESS', port], ...CONTEXTS.map((context, index) => [`${context.toUpperCase()}_TCP_ADDRESS`, port + index + 1])]
          // Set to nothing is unset, as for every other setting.
          .filter(([name]) => !process.env[name])
          .map(([name, httpPort]) => [name, `127.0.0.1:${httpPort + TCP_ABOVE_HTTP}`]),
      )
    : {};
const common = { ...format, ...tcpAddresses, TRANSPORT: transport };
const processes = [
  ...CONTEXTS.map((context, index) => ({
    name: context,
    command: `${node} dist/apps/${context}/src/main.js`,
    env: { ...common, PORT: String(port + index + 1), EMBEDDED_DB_DIR: embeddedDatabaseOf(context) },
  })),
  { name: 'gateway', command: `${node} dist/apps/gateway/src/main.js`, env: { ...common, PORT: String(port) } },
];

process.stdout.write(
  `Starting the gateway and ${CONTEXTS.join(', ')} over ${transport}: the API on http://127.0.0.1:${port} once every one is ready; Ctrl-C stops them all\n`,
);
let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => (signalled = true));
const { result } = concurrently(processes, {
  cwd: ROOT,
  prefix: 'name',
  padPrefix: true,
  prefixColors: ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red', 'white', 'gray'],
  killOthersOn: ['failure', 'success'],
  killSignal: 'SIGTERM',
});
result.then(
  () => process.exit(0),
  () => process.exit(signalled ? 0 : 1),
);
