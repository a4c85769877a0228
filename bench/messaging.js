// The messaging boundary alone: one request/reply between two Nest apps (one in process, for the in-process
// transport), through ContextClient and a handler of a @MessagesController() that echoes its payload, as every
// context's handlers are reached. For each transport: latency with one request in flight (p50, p99 in µs) and
// throughput with 64 in flight; and, as the floor, the same echo called directly. Part of `npm run bench`
// (BENCH_PARTS=messaging for this alone); BENCH_MESSAGING_TRANSPORTS (default inproc,tcp,nats,rmq), BENCH_ROUNDS (default 3).
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { MessagePattern } = require('@nestjs/microservices');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const { removeNamespace } = require('./broker-namespace');
const { freePort } = require('./free-port');

const DIST = join(__dirname, '..', 'dist', 'libs');
const TRANSPORTS = (process.env.BENCH_MESSAGING_TRANSPORTS ?? 'inproc,tcp,nats,rmq').split(',').map((name) => name.trim());
const SEQUENTIAL_CALLS = 3000;
// Each transport's calls, one at a time, for this long before anything counts: its code paths compiled by the JIT, as a
// process that has been up a while has them. A count of calls would not do: NATS needs about 2,000 before its p50
// settles (350 µs in the first thousand, 170 µs from the third), the in-process transport a few hundred.
const WARM_UP_MS = 1000;
const IN_FLIGHT = 64;
const THROUGHPUT_MS = 2000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PAYLOAD = { orderId: '0f8c2a1e-7d4b-4c3a-9e2f-1a2b3c4d5e6f', items: [{ productId: '11111111-1111-4111-8111-111111111111', quantity: 2 }] };

function echoControllerClass(messaging) {
  class BenchEchoMessagesController {
    echo(payload) {
      return payload;
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(BenchEchoMessagesController.prototype, 'echo');
  MessagePattern('users.bench-echo')(BenchEchoMessagesController.prototype, 'echo', descriptor);
  messaging.MessagesController()(BenchEchoMessagesController);
  return BenchEchoMessagesController;
}

async function startApp(messaging, contracts, topology, withHandler) {
  class BenchAppModule {}
  Module({
    imports: [messaging.MessagingModule.forTopology(topology, contracts.CONTEXT_NAMES)],
    controllers: withHandler ? [echoControllerClass(messaging)] : [],
  })(BenchAppModule);
  const app = await NestFactory.create(BenchAppModule, new FastifyAdapter(), { logger: false });
  await messaging.startContextServers(app);
  await app.init();
  return app;
}

function micros(value) {
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} µs`;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Latency of `calls` one at a time, in µs, sorted. */
async function latencies(call, calls) {
  const micros = [];
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await call();
    micros.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return micros.sort((a, b) => a - b);
}

/** Calls answered per second with IN_FLIGHT at once, for `ms`. */
async function throughput(call, ms) {
  let done = 0;
  const until = Date.now() + ms;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (Date.now() < until) {
        await call();
        done += 1;
      }
    }),
  );
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The apps of one transport (one app in process; a server and a client app otherwise) and the client's call. */
async function startTransport(transport, messaging, contracts) {
  const at = async () => ({ host: '127.0.0.1', port: await freePort() });
  const tcpListenAddresses = {};
  for (const context of contracts.CONTEXT_NAMES) tcpListenAddresses[context] = await at();
  const tcpAddresses = Object.fromEntries(Object.entries(tcpListenAddresses).map(([context, address]) => [context, [address]]));
  const namespace = `bench-msg-${randomBytes(3).toString('hex')}`;
  const topology = (hosted) => ({
    transport,
    hosted,
    hostsGateway: false,
    tcpAddresses,
    tcpListenAddresses,
    tcpBalancing: 'least-pending',
    gatewayTcpAddress: tcpListenAddresses.users,
    gatewayTcpAddresses: [],
    // Either variable may list a cluster's nodes, comma-separated, as the apps read it.
    natsUrls: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','),
    rabbitmqUrls: (process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(','),
    namespace,
    requestTimeoutMs: 5000,
  });
  const apps = [];
  const stop = async () => {
    for (const app of apps.reverse()) await app.close();
    await removeNamespace(transport, namespace);
  };
  try {
    if (transport === 'inproc') apps.push(await startApp(messaging, contracts, topology(contracts.CONTEXT_NAMES), true));
    else apps.push(await startApp(messaging, contracts, topology(['users']), true), await startApp(messaging, contracts, topology([]), false));
  } catch (error) {
    await stop();
    throw error;
  }
  const client = apps[apps.length - 1].get(messaging.contextClientToken('users'));
  return { transport, call: () => client.send('users.bench-echo', PAYLOAD), stop };
}

/**
 * Every transport of BENCH_MESSAGING_TRANSPORTS, and a direct call as the floor, measured in turn, round after round
 * (as bench/run.js interleaves its two servers): a moment of a busy machine then falls on every transport of one
 * round, not on one transport's whole figure. Each figure is the median of its rounds, and "× TCP" the median of each
 * round's own ratio. Prints a Markdown table; answers its rows.
 */
async function benchMessaging() {
  const messaging = require(join(DIST, 'messaging', 'src'));
  const contracts = require(join(DIST, 'contracts', 'src'));
  const echo = async (payload) => payload;
  const subjects = [{ transport: 'a direct call (the floor)', call: () => echo(PAYLOAD), stop: async () => {} }];
  try {
    for (const transport of TRANSPORTS) subjects.push(await startTransport(transport, messaging, contracts));
    for (const subject of subjects) {
      const warmUntil = Date.now() + WARM_UP_MS;
      while (Date.now() < warmUntil) await subject.call();
    }
    const rounds = subjects.map(() => ({ micros: [], perSecond: [] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [n, subject] of subjects.entries()) {
        rounds[n].micros.push(...(await latencies(subject.call, Math.ceil(SEQUENTIAL_CALLS / ROUNDS))));
        rounds[n].perSecond.push(await throughput(subject.call, THROUGHPUT_MS));
      }
    }
    const tcpAt = subjects.findIndex((subject) => subject.transport === 'tcp');
    const rows = subjects.map((subject, n) => {
      const micros = rounds[n].micros.sort((a, b) => a - b);
      const timesTcp = tcpAt < 0 ? undefined : median(rounds[n].perSecond.map((rate, round) => rate / rounds[tcpAt].perSecond[round]));
      return { transport: subject.transport, p50: percentile(micros, 50), p99: percentile(micros, 99), perSecond: median(rounds[n].perSecond), timesTcp };
    });
    const markdown = [
      `Messaging boundary: one request/reply through ContextClient to a @MessagesController() echo; ${ROUNDS} interleaved rounds, each of ${Math.ceil(SEQUENTIAL_CALLS / ROUNDS)} calls one at a time, then ${IN_FLIGHT} in flight for ${THROUGHPUT_MS / 1000} s; medians.`,
      '',
      `| transport | p50, 1 in flight | p99, 1 in flight | ${IN_FLIGHT} in flight | × TCP |`,
      '| --- | --- | --- | --- | --- |',
      ...rows.map(
        (row) =>
          `| ${row.transport} | ${micros(row.p50)} | ${micros(row.p99)} | ${Math.round(row.perSecond).toLocaleString('en')}/s | ${row.timesTcp === undefined ? '—' : row.timesTcp.toFixed(2)} |`,
      ),
    ].join('\n');
    console.log(`\n${markdown}`);
    return { rows, markdown };
  } finally {
    for (const subject of subjects) await subject.stop();
  }
}

module.exports = { benchMessaging };

if (require.main === module) {
  benchMessaging().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
