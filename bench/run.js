#!/usr/bin/env node
// Measures the shop from outside, as a client would, in parts run in this order, chosen by BENCH_PARTS (default
// ratios,messaging,tracing,startup,topologies; soak on request):
// - ratios: the monolith on Postgres against a bare Fastify + pg server doing the same work on the same database
//   (bench/baseline-server.js), the two measured in turn, round after round (A B A B ...), each figure the median of
//   the rounds and its ratio to the baseline's; the health check against Nest on Fastify alone too
//   (bench/nest-hello-server.js);
// - messaging: one request/reply across the messaging boundary, on each transport (bench/messaging.js);
// - tracing: the order flow (POST /orders then POST /payments) on the monolith on Postgres with OpenTelemetry tracing
//   on, exporting over OTLP/HTTP to a receiver the bench runs itself, against tracing off, measured as the ratios are;
//   and the same with the SQL spans left out (OTEL_NODE_DISABLED_INSTRUMENTATIONS=pg), as a third side;
// - startup: from spawning the monolith to its first 200 on /health/ready, on Postgres and on the embedded database,
//   each on a new database and on one it started on before, against the bare baseline server's start;
// - soak: a product read without a pause for BENCH_SOAK_SECONDS (default 70), the monolith then the baseline;
// - topologies: a product read and the order flow on each split (the gateway and four contexts over TCP, then over
//   NATS) against the monolith, the two up at once and measured in turn as the ratios are, with the CPU an order
//   costs each; the monolith alone when no split is asked.
// `npm run bench` after `npm run build`; the ratios, the messaging boundary, tracing and the topologies are also written to
// .data/bench/ (ratios.json and .md, messaging.md, tracing.json and .md, startup.json and .md, topologies.json and .md).
// BENCH_ROUNDS (default 3), BENCH_RATIO_SECONDS (default 10), BENCH_WARM_UP_SECONDS (default 2, unmeasured, per
// side and scenario) and BENCH_WARM_UP_REQUESTS (default 3000, the least a warm-up serves) for the ratios, tracing
// and topologies; BENCH_TOPOLOGIES (default monolith,tcp,nats; also rmq);
// BENCH_DATABASE_URL (default: a fresh database on the local Postgres per topology) or BENCH_DATABASE=embedded
// (monolith only); BENCH_SECONDS (default 15), BENCH_CONNECTIONS (default 20); NATS_URL, RABBITMQ_URL as for the apps.
const autocannon = require('autocannon');
const { execFileSync, spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { createServer: createHttpServer } = require('node:http');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, tmpdir } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { removeNamespace } = require('./broker-namespace');
const { freePort } = require('./free-port');

const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };
const TOPOLOGIES = (process.env.BENCH_TOPOLOGIES ?? 'monolith,tcp,nats').split(',').map((name) => name.trim());
const PARTS = (process.env.BENCH_PARTS ?? 'ratios,messaging,tracing,startup,topologies').split(',').map((name) => name.trim());
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATIO_SECONDS = Number(process.env.BENCH_RATIO_SECONDS ?? 10);
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 2);
const WARM_UP_REQUESTS = Number(process.env.BENCH_WARM_UP_REQUESTS ?? 3000);
const CONTEXTS = ['users', 'catalog', 'ordering', 'payments'];
const COMMON_ENV = {
  LOG_LEVEL: 'warn',
  NODE_ENV: 'development',
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  JWT_SECRET: 'bench-secret-long-enough-for-hs256',
  RATE_LIMIT_PER_MINUTE: '100000000',
  LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
};

async function database() {
  if (process.env.BENCH_DATABASE === 'embedded') return { env: { EMBEDDED_DB_DIR: 'memory' }, label: 'embedded PGlite', drop: async () => {} };
  if (process.env.BENCH_DATABASE_URL) return { env: { DATABASE_URL: process.env.BENCH_DATABASE_URL }, label: 'Postgres', drop: async () => {} };
  const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `tessera_bench_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return {
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}` },
    label: 'Postgres',
    drop: async () => {
      const c = new Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function call(base, method, path, body, token) {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function run(title, options) {
  return new Promise((resolve, reject) => {
    autocannon({ duration: SECONDS, connections: CONNECTIONS, ...options }, (error, result) => {
      if (error) return reject(error);
      const ok = result['2xx'];
      const rps = ok / (result.duration || options.duration || SECONDS);
      console.log(
        `${title}: ${rps.toFixed(0)} successful req/s (${result.non2xx} non-2xx, ${result.errors} errors), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
      );
      resolve(result);
    });
  });
}

/**
 * The two requests of one order flow, for autocannon: the order, then its
 * payment. Each connection orders a product of its own from `productIds`, in
 * turn, as clients of a shop spread over its products.
 */
function orderFlowRequests(productIds, token) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  let connections = 0;
  return [
    {
      method: 'POST',
      path: '/orders',
      headers,
      setupRequest: (request, context) => {
        context.productId ??= productIds[connections++ % productIds.length];
        return { ...request, body: JSON.stringify({ items: [{ productId: context.productId, quantity: 1 }] }) };
      },
      onResponse: (status, body, context) => {
        if (status === 201) context.orderId = JSON.parse(body).id;
      },
    },
    {
      method: 'POST',
      path: '/payments',
      headers,
      setupRequest: (request, context) => ({ ...request, body: JSON.stringify({ orderId: context.orderId, paymentMethod: 'pm_card_visa' }) }),
    },
  ];
}

/**
 * The order flow as the ratios and tracing parts measure it: at one client,
 * and at CONNECTIONS clients over as many products. A side is a server's
 * `base` URL and what `seedShop` answered.
 */
function orderFlowScenarios() {
  const options = (side) => ({ url: side.base, requests: orderFlowRequests(side.productIds, side.token) });
  return [
    { name: 'order flow, 1 client', connections: 1, options, perUnit: 2, unit: 'orders/s', cpu: true },
    { name: `order flow, ${CONNECTIONS} clients over ${CONNECTIONS} products`, connections: CONNECTIONS, options, perUnit: 2, unit: 'orders/s', cpu: true },
  ];
}

/**
 * What the benches order, on a shop just started: CONNECTIONS products, with
 * stock no run can sell out, and a customer's token; `tag` names them.
 */
async function seedShop(base, tag) {
  const adminToken = (await call(base, 'POST', '/auth/login', ADMIN)).accessToken;
  const products = [];
  for (let n = 0; n < CONNECTIONS; n++) {
    products.push(
      await call(
        base,
        'POST',
        '/products',
        { sku: `${tag.toUpperCase()}-${Date.now()}-${n}`, name: `${tag} widget ${n}`, price: { amount: 999, currency: 'USD' }, stock: 100000000 },
        adminToken,
      ),
    );
  }
  const email = `${tag.toLowerCase()}-${Date.now()}@example.com`;
  await call(base, 'POST', '/auth/register', { email, password: 'bench-password', name: tag });
  const token = (await call(base, 'POST', '/auth/login', { email, password: 'bench-password' })).accessToken;
  return { products, productIds: products.map((p) => p.id), token };
}

/**
 * The bench's own environment, less what would make Tessera do other work than the baseline it is compared with: a
 * Redis would serve product reads from its cache, a context's own database URL would take it off the bench's database,
 * and a config file could set anything.
 */
function inheritedEnv() {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name === 'REDIS_URL' || name === 'CONFIG_FILE' || /^[A-Z]+_DATABASE_URL$/.test(name)) delete env[name];
  }
  return env;
}

function startApp(app, env) {
  return spawn(process.execPath, [join(ROOT, `dist/apps/${app}/src/main.js`)], {
    cwd: ROOT,
    env: { ...inheritedEnv(), ...COMMON_ENV, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** One of the bench's reference servers, `script` in bench/, listening on `port`, `env` added to the bench's own. */
function startReferenceServer(script, port, env = {}) {
  return spawn(process.execPath, [join(__dirname, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** What the baseline's pool names its Postgres connections, so that their CPU is counted on its side. */
const BASELINE_APPLICATION_NAME = 'tessera-bench-baseline';

/** The bare Fastify + pg server (bench/baseline-server.js) on `databaseUrl`, listening on `port`. */
function startBaseline(databaseUrl, port) {
  return startReferenceServer('baseline-server.js', port, { DATABASE_URL: databaseUrl, PGAPPNAME: BASELINE_APPLICATION_NAME });
}

async function stopServer(server) {
  if (!server || server.exitCode !== null) return;
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
}

async function waitReady(url, what) {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {
      // Not listening yet: asked again below.
    }
    if (i > 600) throw new Error(`${what} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts one topology on its own database, `env` added to every process's; resolves to its gateway's URL and its processes. */
async function startTopology(kind, db, env = {}) {
  const gatewayPort = await freePort();
  if (kind === 'monolith') {
    const monolith = startApp('monolith', { ...db.env, ...env, PORT: String(gatewayPort) });
    return { base: `http://127.0.0.1:${gatewayPort}`, processes: [monolith], label: 'the monolith (in process)' };
  }
  const namespace = `bench-${randomBytes(3).toString('hex')}`;
  const transportEnv = { ...env, TRANSPORT: kind, MESSAGING_NAMESPACE: namespace };
  if (kind === 'tcp') {
    for (const context of CONTEXTS) transportEnv[`${context.toUpperCase()}_TCP_ADDRESS`] = `127.0.0.1:${await freePort()}`;
    transportEnv.GATEWAY_TCP_ADDRESS = `127.0.0.1:${await freePort()}`;
  }
  const processes = [];
  try {
    for (const context of CONTEXTS) {
      const port = await freePort();
      processes.push(startApp(context, { ...db.env, ...transportEnv, PORT: String(port) }));
      await waitReady(`http://127.0.0.1:${port}`, context);
    }
  } catch (error) {
    await stopAll(processes);
    throw error;
  }
  processes.push(startApp('gateway', { ...transportEnv, PORT: String(gatewayPort) }));
  return { base: `http://127.0.0.1:${gatewayPort}`, processes, label: `the gateway and four contexts over ${kind.toUpperCase()}`, namespace };
}

/**
 * Each split of BENCH_TOPOLOGIES against the monolith, measured as the ratios
 * are: the monolith and one split up at once, each on a database of its own,
 * a product read and the order flow run on one, then the other, ROUNDS times,
 * by the same client; each split's figures as ratios to the monolith's of the
 * same rounds, and the CPU an order costs each, all of its processes and their
 * Postgres backends. A split and the monolith measured minutes apart differ
 * by the machine's hour as much as by themselves. One split at a time beside
 * the monolith keeps the two within Postgres's connections (each context's
 * pool holds up to 10). With no split asked (the embedded database), the
 * monolith is measured alone.
 */
async function benchTopologies() {
  const splits = TOPOLOGIES.filter((kind) => kind !== 'monolith');
  if (splits.length > 0 && process.env.BENCH_DATABASE === 'embedded') throw new Error('a split topology needs Postgres: unset BENCH_DATABASE');
  const read = {
    name: 'GET /products/:id',
    connections: CONNECTIONS,
    options: (side) => ({ url: `${side.base}/products/${side.productIds[0]}` }),
    perUnit: 1,
    unit: 'req/s',
  };
  const [, flow] = orderFlowScenarios();
  const monolith = await startMeasurable('monolith');
  const rows = [];
  try {
    console.log(`\nThe monolith, on ${monolith.databaseLabel}, was ready ${monolith.readySeconds.toFixed(1)} s after start.`);
    if (splits.length === 0) {
      console.log(`\n## Tessera as ${monolith.label}, alone; ${CONNECTIONS} connections, ${SECONDS} s each`);
      await run(read.name, { connections: read.connections, ...read.options(monolith.side) });
      await run(flow.name, { connections: flow.connections, ...flow.options(monolith.side) });
      return [];
    }
    for (const kind of splits) {
      const split = await startMeasurable(kind);
      try {
        console.log(
          `\n## ${split.label}, ready ${split.readySeconds.toFixed(1)} s after start, against the monolith; ${ROUNDS} rounds of ${RATIO_SECONDS} s each, interleaved`,
        );
        const reads = await interleaved(read, [split.side, monolith.side]);
        const flows = await interleaved(flow, [split.side, monolith.side]);
        rows.push({ topology: kind, readySeconds: split.readySeconds, reads, flows });
      } finally {
        await split.stop();
      }
    }
  } finally {
    await monolith.stop();
  }
  const goals = { tcp: '≥ 80%', nats: '≥ 70%' };
  const percent = (ratio) => `${Math.round(ratio * 100)}%`;
  const markdown = [
    `Topologies measured ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, Postgres; each split against the monolith, ${ROUNDS} interleaved rounds of ${RATIO_SECONDS} s, medians; the monolith ready ${monolith.readySeconds.toFixed(1)} s after start.`,
    '',
    `| split | ready after start | GET /products/:id, split and monolith | split / monolith | order flows, ${CONNECTIONS} clients, split and monolith | split / monolith | CPU an order, split and monolith | goal |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(({ topology, readySeconds, reads, flows }) => {
      const [splitReads, monolithReads] = reads.figures;
      const [splitFlows, monolithFlows] = flows.figures;
      const cpu = flows.cpuMs ? `${flows.cpuMs[0].toFixed(2)} and ${flows.cpuMs[1].toFixed(2)} ms` : '—';
      return `| ${topology.toUpperCase()} | ${readySeconds.toFixed(1)} s | ${splitReads.rate.toFixed(0)} and ${monolithReads.rate.toFixed(0)} req/s | ${percent(reads.ratio)} | ${splitFlows.rate.toFixed(1)} and ${monolithFlows.rate.toFixed(1)} orders/s, p99 ${splitFlows.p99} and ${monolithFlows.p99} ms | ${percent(flows.ratio)} | ${cpu} | ${goals[topology] ?? ''} |`;
    }),
  ].join('\n');
  console.log(`\n${markdown}`);
  writeResults('topologies', markdown, { monolithReadySeconds: monolith.readySeconds, rows });
  return rows;
}

/**
 * The topology `kind` started on a database of its own and seeded, as a side
 * of `interleaved`, with the seconds from its first process spawned to its
 * gateway's readiness (a split starts its four contexts one after another);
 * `stop()` stops it and drops what it made.
 */
async function startMeasurable(kind) {
  const db = await database();
  const started = performance.now();
  let topology;
  const stop = async () => {
    if (topology) await stopAll(topology.processes);
    if (topology?.namespace) await removeNamespace(kind, topology.namespace);
    await db.drop();
  };
  try {
    topology = await startTopology(kind, db);
    await waitReady(topology.base, topology.label);
    const readySeconds = (performance.now() - started) / 1000;
    const shop = await seedShop(topology.base, 'Bench');
    const side = { ...shop, name: kind, base: topology.base, pids: topology.processes.map((child) => child.pid), databaseUrl: db.env.DATABASE_URL };
    return { label: topology.label, databaseLabel: db.label, readySeconds, side, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function stopAll(processes) {
  for (const child of [...processes].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** One measured figure of a run: successful requests (or order flows) a second, and latency percentiles in ms. */
function figure(result, perUnit = 1) {
  return { rate: result['2xx'] / perUnit / (result.duration || RATIO_SECONDS), p50: result.latency.p50, p99: result.latency.p99 };
}

/**
 * A side that answered errors is not measured doing the work: its rate of successes would make a ratio that means
 * nothing (a baseline failing every request would put Tessera at infinity times it). More than one request in a
 * hundred failing, or none succeeding, ends the bench.
 */
function refuseFailing(title, result) {
  // autocannon counts a timeout among the errors.
  const failed = result.non2xx + result.errors;
  if (result['2xx'] === 0 || failed > (result['2xx'] + failed) / 100) {
    throw new Error(`${title}: ${failed} of ${result['2xx'] + failed} requests failed (${result.non2xx} non-2xx, ${result.errors} errors); not a measurement`);
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function medianFigure(figures) {
  return { rate: median(figures.map((f) => f.rate)), p50: median(figures.map((f) => f.p50)), p99: median(figures.map((f) => f.p99)) };
}

/**
 * The monolith on Postgres against the bare baseline on the same database:
 * each scenario run on one, then the other, ROUNDS times, by the same client
 * with the same connections; medians of the rounds, and the median of each
 * round's ratio of Tessera to the baseline.
 */
/** The ratios part; `only`, scenario names, measures those alone (the guard's second look at a low one). */
async function benchRatios(only) {
  if (process.env.BENCH_DATABASE === 'embedded') throw new Error('the ratios are measured on Postgres: unset BENCH_DATABASE, or BENCH_PARTS=topologies');
  const db = await database();
  const tessera = await startTopology('monolith', db);
  const baselinePort = await freePort();
  const nestPort = await freePort();
  let baseline;
  let nest;
  try {
    await waitReady(tessera.base, tessera.label);
    // One database, so both sides order the same products as the same customer.
    const shop = await seedShop(tessera.base, 'Ratio');
    const [product] = shop.products;
    baseline = startBaseline(db.env.DATABASE_URL, baselinePort);
    const baselineBase = `http://127.0.0.1:${baselinePort}`;
    await waitUntil(async () => (await fetch(`${baselineBase}/health/live`)).ok, 'the baseline server');
    const scenarios = [
      { name: 'GET /products/:id', connections: 50, options: (side) => ({ url: `${side.base}/products/${product.id}` }), perUnit: 1, unit: 'req/s' },
      // Measured against Nest alone too, in the same rounds: how far Nest's own pipeline is from Fastify's hello.
      { name: 'GET /health/live', connections: 50, options: (side) => ({ url: `${side.base}/health/live` }), perUnit: 1, unit: 'req/s', againstNest: true },
      ...orderFlowScenarios(),
    ].filter((scenario) => !only || only.includes(scenario.name));
    const nestBase = `http://127.0.0.1:${nestPort}`;
    if (scenarios.some((scenario) => scenario.againstNest)) {
      nest = startReferenceServer('nest-hello-server.js', nestPort);
      await waitUntil(async () => (await fetch(`${nestBase}/health/live`)).ok, 'Nest on Fastify (bench/nest-hello-server.js)');
    }
    console.log(`\n## Ratios: the monolith against bare Fastify + pg, on Postgres; ${ROUNDS} rounds of ${RATIO_SECONDS} s each, interleaved`);
    const sides = [
      { ...shop, name: 'tessera', base: tessera.base, pids: [tessera.processes[0].pid], databaseUrl: db.env.DATABASE_URL },
      { ...shop, name: 'baseline', base: baselineBase, pids: [baseline.pid], databaseUrl: db.env.DATABASE_URL, isBaseline: true },
    ];
    const nestSide = nest && { name: 'Nest on Fastify', base: nestBase, pids: [nest.pid] };
    const rows = [];
    for (const scenario of scenarios) {
      const {
        figures: [t, b, n],
        ratio,
        ratioOf,
        cpuMs,
      } = await interleaved(scenario, scenario.againstNest ? [...sides, nestSide] : sides);
      const cpu = cpuMs && { tesseraMs: cpuMs[0], baselineMs: cpuMs[1] };
      // autocannon reports whole milliseconds: a baseline p99 under one has no ratio worth printing.
      rows.push({
        scenario: scenario.name,
        unit: scenario.unit,
        connections: scenario.connections,
        tessera: t,
        baseline: b,
        ratio,
        p99Ratio: b.p99 > 0 ? t.p99 / b.p99 : null,
        cpu,
        ...(n && { nest: n, nestToBaseline: ratioOf(2, 1), tesseraToNest: ratioOf(0, 2) }),
      });
    }
    const markdown = [
      `Ratios measured ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, Postgres for both; ${ROUNDS} interleaved rounds of ${RATIO_SECONDS} s, medians.`,
      '',
      '| what | connections | Tessera | bare Fastify + pg | ratio | p99 Tessera / bare |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows.map(
        (r) =>
          `| ${r.scenario} | ${r.connections} | ${r.tessera.rate.toFixed(1)} ${r.unit}, p50 ${r.tessera.p50} ms, p99 ${r.tessera.p99} ms | ${r.baseline.rate.toFixed(1)} ${r.unit}, p50 ${r.baseline.p50} ms, p99 ${r.baseline.p99} ms | ${(r.ratio * 100).toFixed(0)}% | ${r.p99Ratio === null ? '— (bare p99 < 1 ms)' : `${r.p99Ratio.toFixed(1)}×`} |`,
      ),
      '',
      'CPU an order costs, the server process and the Postgres backends serving it (/proc, median of the rounds):',
      '',
      '| order flow | Tessera | bare Fastify + pg | Tessera / bare |',
      '| --- | --- | --- | --- |',
      ...rows
        .filter((r) => r.cpu)
        .map(
          (r) =>
            `| ${r.scenario} | ${r.cpu.tesseraMs.toFixed(2)} ms | ${r.cpu.baselineMs.toFixed(2)} ms | ${(r.cpu.tesseraMs / r.cpu.baselineMs).toFixed(1)}× |`,
        ),
      ...rows
        .filter((r) => r.nest)
        .flatMap((r) => [
          '',
          `${r.scenario} against Nest on Fastify with one controller and nothing else (bench/nest-hello-server.js), in the same rounds:`,
          '',
          '| what | bare Fastify | Nest on Fastify | Tessera | Nest / bare | Tessera / Nest |',
          '| --- | --- | --- | --- | --- | --- |',
          `| ${r.scenario} | ${r.baseline.rate.toFixed(1)} ${r.unit} | ${r.nest.rate.toFixed(1)} ${r.unit}, p50 ${r.nest.p50} ms, p99 ${r.nest.p99} ms | ${r.tessera.rate.toFixed(1)} ${r.unit} | ${(r.nestToBaseline * 100).toFixed(0)}% | ${(r.tesseraToNest * 100).toFixed(0)}% |`,
        ]),
    ].join('\n');
    console.log(`\n${markdown}`);
    writeResults('ratios', markdown, { rows });
    return rows;
  } finally {
    await stopServer(baseline);
    await stopServer(nest);
    await stopAll(tessera.processes);
    await db.drop();
  }
}

/**
 * Writes a part's results to .data/bench: `<name>.json`, with when, where and
 * in how many rounds of how long they were measured, and its table as `<name>.md`.
 */
function writeResults(name, markdown, results) {
  const out = join(ROOT, '.data', 'bench');
  mkdirSync(out, { recursive: true });
  const measured = { measuredAt: new Date().toISOString(), cpus: cpus().length, node: process.version, rounds: ROUNDS, seconds: RATIO_SECONDS };
  writeFileSync(join(out, `${name}.json`), JSON.stringify({ ...measured, ...results }, null, 2));
  writeFileSync(join(out, `${name}.md`), `${markdown}\n`);
}

/**
 * One scenario on two sides or more, measured in turn ROUNDS times (A B A B
 * ...) by the same client with the same connections, after an unmeasured
 * warm-up of each. A side is a server's `base` URL, the `pids` of its
 * processes and its `databaseUrl` (for the CPU of a scenario with `cpu`), and
 * what `seedShop` answered. Answers each side's median figure, for `cpu` each
 * side's median CPU ms a unit cost, the median of each round's ratio of the
 * first side's rate to the second's, and `ratioOf(a, b)`, the same for any
 * two sides by their index.
 */
async function interleaved(scenario, sides) {
  const measured = sides.map(() => []);
  const cpuMsPerUnit = sides.map(() => []);
  // Each side's code paths are compiled by the JIT before anything counts, as a server that has been up a while is.
  // The JIT optimises a path once it has run often enough, not after a time: a scenario that serves few requests in
  // WARM_UP_SECONDS (the order flow at one client, about 200 on Tessera) goes on until WARM_UP_REQUESTS, or its
  // rounds would still be compiling (with 2 s alone, its Tessera rate climbed by half over six rounds).
  for (const side of sides) {
    const warmUp = { connections: scenario.connections, ...scenario.options(side) };
    const served = (await run(`${scenario.name}, ${side.name}, warm-up`, { ...warmUp, duration: WARM_UP_SECONDS }))['2xx'];
    if (served < WARM_UP_REQUESTS) {
      await run(`${scenario.name}, ${side.name}, warm-up to ${WARM_UP_REQUESTS} requests`, { ...warmUp, amount: WARM_UP_REQUESTS - served });
    }
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [n, side] of sides.entries()) {
      const measure = () =>
        run(`${scenario.name}, ${side.name}, round ${round}`, { duration: RATIO_SECONDS, connections: scenario.connections, ...scenario.options(side) });
      const { result, cpuSeconds } = scenario.cpu ? await cpuSecondsDuring(side, measure) : { result: await measure() };
      refuseFailing(`${scenario.name}, ${side.name}, round ${round}`, result);
      measured[n].push(figure(result, scenario.perUnit));
      if (cpuSeconds !== undefined) cpuMsPerUnit[n].push((cpuSeconds * 1000) / (result['2xx'] / scenario.perUnit));
    }
  }
  // The ratio of the two sides' runs in each round, then their median: the runs of a round share the machine's state
  // of that moment, which a ratio of two medians taken across rounds would not.
  const ratioOf = (a, b) => median(measured[a].map((figureOfRound, round) => figureOfRound.rate / measured[b][round].rate));
  const cpuMs = cpuMsPerUnit.every((values) => values.length > 0) ? cpuMsPerUnit.map(median) : undefined;
  return { figures: measured.map(medianFigure), ratio: ratioOf(0, 1), ratioOf, cpuMs };
}

/**
 * A stand-in for an OpenTelemetry collector: takes OTLP/HTTP trace exports,
 * in either encoding, counts them, and answers each with an empty
 * ExportTraceServiceResponse (`{}` in JSON, zero bytes in protobuf), which an
 * exporter reads as every span accepted.
 */
async function startOtlpReceiver() {
  const counts = { requests: 0, bytes: 0, contentTypes: {} };
  const server = createHttpServer((request, response) => {
    if (request.method !== 'POST' || request.url.split('?')[0] !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    request.on('data', (chunk) => (counts.bytes += chunk.length));
    request.on('end', () => {
      const contentType = request.headers['content-type'] ?? 'none';
      counts.requests++;
      counts.contentTypes[contentType] = (counts.contentTypes[contentType] ?? 0) + 1;
      const json = contentType.includes('json');
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : undefined);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    counts,
    close: () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      return closed;
    },
  };
}

/**
 * What tracing costs the order flow: the monolith on Postgres exporting its
 * spans to a local OTLP receiver against the same build with tracing off,
 * measured as the ratios are, and a third side exporting every span but the
 * SQL ones; each side on a database of its own, so that none's background
 * jobs work through another's rows.
 */
async function benchTracing() {
  if (process.env.BENCH_DATABASE === 'embedded') throw new Error('tracing is measured on Postgres: unset BENCH_DATABASE, or leave tracing out of BENCH_PARTS');
  const receiver = await startOtlpReceiver();
  // The bench alone decides what each side traces: an OTEL_ variable of the caller's (an endpoint, a sampler, the SDK
  // disabled) would make a side something other than its name.
  const noInheritedOtel = Object.fromEntries(
    Object.keys(process.env)
      .filter((name) => name.startsWith('OTEL_'))
      .map((name) => [name, undefined]),
  );
  // A receiver of its own for the side without SQL spans, so that the bytes an order exports are told apart.
  const receiverWithoutSql = await startOtlpReceiver();
  const setups = [
    { name: 'tracing on', env: { ...noInheritedOtel, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'tessera-bench' } },
    { name: 'tracing off', env: noInheritedOtel },
    // What an operator gets by leaving the SQL spans out, the part of a trace that costs most to export.
    {
      name: 'tracing on, no SQL spans',
      env: {
        ...noInheritedOtel,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiverWithoutSql.endpoint,
        OTEL_SERVICE_NAME: 'tessera-bench',
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg',
      },
    },
  ];
  const started = [];
  const rows = [];
  try {
    const sides = [];
    for (const setup of setups) {
      const entry = { db: await database() };
      started.push(entry);
      entry.topology = await startTopology('monolith', entry.db, setup.env);
      // Ready before the next starts: with BENCH_DATABASE_URL the two share a database, whose migrations they would race on.
      await waitReady(entry.topology.base, `${entry.topology.label}, ${setup.name}`);
      const shop = await seedShop(entry.topology.base, 'Tracing');
      sides.push({ ...shop, name: setup.name, base: entry.topology.base, pids: [entry.topology.processes[0].pid], databaseUrl: entry.db.env.DATABASE_URL });
    }
    console.log(
      `\n## Tracing: the monolith on Postgres, tracing on (OTLP/HTTP to a local receiver) against off; ${ROUNDS} rounds of ${RATIO_SECONDS} s each, interleaved`,
    );
    for (const scenario of orderFlowScenarios()) {
      const {
        figures: [on, off, onWithoutSql],
        ratio,
        ratioOf,
        cpuMs,
      } = await interleaved(scenario, sides);
      rows.push({
        scenario: scenario.name,
        unit: scenario.unit,
        connections: scenario.connections,
        off,
        on,
        ratio,
        onWithoutSql,
        ratioWithoutSql: ratioOf(2, 1),
        cpu: cpuMs && { onMs: cpuMs[0], offMs: cpuMs[1], onWithoutSqlMs: cpuMs[2] },
      });
    }
  } finally {
    for (const { topology, db } of started.reverse()) {
      if (topology) await stopAll(topology.processes);
      await db.drop();
    }
    await receiver.close();
    await receiverWithoutSql.close();
  }
  // Counted once the processes have stopped, so that what the tracing-on one flushed as it shut down is in.
  const { requests, bytes, contentTypes } = receiver.counts;
  const withoutSql = receiverWithoutSql.counts;
  const cell = (r, f) => `${f.rate.toFixed(1)} ${r.unit}, p50 ${f.p50} ms, p99 ${f.p99} ms`;
  const markdown = [
    `Tracing measured ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, the monolith on Postgres; ${ROUNDS} interleaved rounds of ${RATIO_SECONDS} s, medians.`,
    '',
    '| scenario | tracing off | tracing on | ratio, on / off | goal | tracing on, no SQL spans (`OTEL_NODE_DISABLED_INSTRUMENTATIONS=pg`) | ratio to off |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${cell(r, r.off)} | ${cell(r, r.on)} | ${(r.ratio * 100).toFixed(0)}% | ≥ 85% | ${cell(r, r.onWithoutSql)} | ${(r.ratioWithoutSql * 100).toFixed(0)}% |`,
    ),
    '',
    'CPU an order costs, the server process and the Postgres backends serving it (/proc, median of the rounds):',
    '',
    '| order flow | tracing off | tracing on | on / off | no SQL spans | no SQL spans / off |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows
      .filter((r) => r.cpu)
      .map(
        (r) =>
          `| ${r.scenario} | ${r.cpu.offMs.toFixed(2)} ms | ${r.cpu.onMs.toFixed(2)} ms | ${(r.cpu.onMs / r.cpu.offMs).toFixed(2)}× | ${r.cpu.onWithoutSqlMs.toFixed(2)} ms | ${(r.cpu.onWithoutSqlMs / r.cpu.offMs).toFixed(2)}× |`,
      ),
    '',
    `OTLP receiver of the side without SQL spans: ${withoutSql.requests} export requests, ${withoutSql.bytes} bytes.`,
    '',
    `OTLP receiver, over the tracing-on process's whole life: ${requests} export requests, ${bytes} bytes${
      requests > 0
        ? ` (${Object.entries(contentTypes)
            .map(([type, n]) => `${n} ${type}`)
            .join(', ')})`
        : ''
    }.`,
    ...(requests === 0
      ? [
          '',
          'WARNING: the tracing-on monolith exported nothing, so both sides ran untraced and the ratio says nothing about tracing. Does this build (dist/) start the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT is set?',
        ]
      : []),
  ].join('\n');
  console.log(`\n${markdown}`);
  writeResults('tracing', markdown, { receiver: { requests, bytes, contentTypes }, receiverWithoutSql: withoutSql, rows });
  return { rows, receiver: { requests, bytes, contentTypes }, receiverWithoutSql: withoutSql };
}

/** Clock ticks a second, the unit of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The CPU seconds (user and system) a process has used so far, by /proc; undefined where there is none (not Linux). */
function cpuSecondsOf(pid) {
  try {
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * Runs `work` and answers the CPU seconds it cost a side's server processes
 * (`pids`) and the Postgres backends serving it on its database, the
 * measuring connection's own excepted. The baseline's backends are told from
 * Tessera's on a shared database by the application name its pool gives them:
 * Tessera's background rounds (the relay's marks, the sweepers) go on while
 * the baseline is measured, and are not the baseline's. Undefined where /proc
 * cannot be read.
 */
async function cpuSecondsDuring({ pids: serverPids, databaseUrl, isBaseline = false }, work) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const backends = async () =>
    (
      await client.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND (application_name = $1) = $2`,
        [BASELINE_APPLICATION_NAME, isBaseline],
      )
    ).rows.map((row) => row.pid);
  try {
    const pids = [...serverPids, ...(await backends())];
    const before = new Map(pids.map((pid) => [pid, cpuSecondsOf(pid)]));
    const result = await work();
    let spent = 0;
    for (const pid of new Set([...pids, ...(await backends())])) {
      const now = cpuSecondsOf(pid);
      // A backend that ended during the run took its CPU time with it; one that started spent all of its own in it.
      if (now !== undefined) spent += now - (before.get(pid) ?? 0);
    }
    return { result, cpuSeconds: serverPids.some((pid) => cpuSecondsOf(pid) === undefined) ? undefined : spent };
  } finally {
    await client.end();
  }
}

/** Milliseconds from `spawnServer()` to the first 2xx of `url`, asked every 10 ms; the process is stopped after. */
async function msUntilAnswering(spawnServer, url, what) {
  const started = performance.now();
  const server = spawnServer();
  try {
    for (;;) {
      if (server.exitCode !== null) throw new Error(`${what} exited with code ${server.exitCode} before answering`);
      if (
        await fetch(url).then(
          (response) => response.ok,
          () => false,
        )
      )
        return performance.now() - started;
      if (performance.now() - started > 120_000) throw new Error(`${what} did not answer within 120 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await stopAll([server]);
  }
}

/**
 * How long a start takes, from spawning the monolith to its first 200 on
 * /health/ready (migrations run, the admin account and demo products there,
 * every message server started): on a new Postgres database and on one it
 * started on before, and the same for the embedded database in a new folder
 * (the machine's first, and a later one) and in one it used before; against the bare baseline server's spawn to
 * its first answer. Medians of ROUNDS starts, each on its own database or
 * folder where new.
 */
async function benchStartup() {
  if (process.env.BENCH_DATABASE || process.env.BENCH_DATABASE_URL) {
    throw new Error('start-up is measured on new databases of its own: unset BENCH_DATABASE and BENCH_DATABASE_URL, or leave startup out of BENCH_PARTS');
  }
  const rows = [];
  const measure = async (name, times) => {
    const ms = [];
    for (let round = 0; round < ROUNDS; round++) ms.push(await times(round));
    rows.push({ name, ms: median(ms), all: ms });
    console.log(`${name}: ${ms.map((m) => `${Math.round(m)} ms`).join(', ')}`);
  };
  const monolith = (env) => async () => {
    const port = await freePort();
    return msUntilAnswering(() => startApp('monolith', { ...env, PORT: String(port) }), `http://127.0.0.1:${port}/health/ready`, 'the monolith');
  };
  console.log(`\n## Start-up: spawn to the first 200 on /health/ready, ${ROUNDS} starts each`);
  const reused = await database();
  try {
    await measure('the monolith on Postgres, a new database', async () => {
      const db = await database();
      try {
        return await monolith(db.env)();
      } finally {
        await db.drop();
      }
    });
    await monolith(reused.env)();
    await measure('the monolith on Postgres, a database it started on before', monolith(reused.env));
    const folders = join(ROOT, '.data', 'bench', `startup-${randomBytes(3).toString('hex')}`);
    // Each a temporary folder of a machine of its own: the first new folder on a machine runs initdb, and leaves a copy
    // of the fresh cluster there that every later new folder starts from.
    const machines = [];
    const newMachine = () => {
      const machine = mkdtempSync(join(tmpdir(), 'tessera-bench-machine-'));
      machines.push(machine);
      return machine;
    };
    try {
      await measure("the monolith on the embedded database, a new folder, the machine's first", (round) =>
        monolith({ DATABASE_URL: undefined, EMBEDDED_DB_DIR: join(folders, `first-${round}`), TMPDIR: newMachine() })(),
      );
      await measure('the monolith on the embedded database, a new folder', (round) =>
        monolith({ DATABASE_URL: undefined, EMBEDDED_DB_DIR: join(folders, `new-${round}`), TMPDIR: machines[0] })(),
      );
      await measure(
        'the monolith on the embedded database, a folder it used before',
        monolith({ DATABASE_URL: undefined, EMBEDDED_DB_DIR: join(folders, 'new-0') }),
      );
    } finally {
      rmSync(folders, { recursive: true, force: true });
      for (const machine of machines) rmSync(machine, { recursive: true, force: true });
    }
    await measure('bare Fastify + pg (bench/baseline-server.js)', async () => {
      const port = await freePort();
      return msUntilAnswering(() => startBaseline(reused.env.DATABASE_URL, port), `http://127.0.0.1:${port}/health/live`, 'the baseline server');
    });
  } finally {
    await reused.drop();
  }
  const markdown = [
    `Start-up measured ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}; medians of ${ROUNDS} starts.`,
    '',
    '| start | spawn to ready | each start |',
    '| --- | --- | --- |',
    ...rows.map((row) => `| ${row.name} | ${(row.ms / 1000).toFixed(2)} s | ${row.all.map((m) => `${(m / 1000).toFixed(2)}`).join(', ')} s |`),
  ].join('\n');
  console.log(`\n${markdown}`);
  mkdirSync(join(ROOT, '.data', 'bench'), { recursive: true });
  writeFileSync(join(ROOT, '.data', 'bench', 'startup.md'), `${markdown}\n`);
  writeFileSync(join(ROOT, '.data', 'bench', 'startup.json'), `${JSON.stringify({ measuredAt: new Date().toISOString(), rows }, null, 2)}\n`);
}

async function waitUntil(check, what) {
  for (let i = 0; i <= 600; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start`);
}

async function main() {
  if (PARTS.includes('ratios')) await benchRatios();
  if (PARTS.includes('messaging')) {
    const { markdown } = await require('./messaging').benchMessaging();
    mkdirSync(join(ROOT, '.data', 'bench'), { recursive: true });
    writeFileSync(join(ROOT, '.data', 'bench', 'messaging.md'), `${markdown}\n`);
  }
  if (PARTS.includes('tracing')) await benchTracing();
  if (PARTS.includes('startup')) await benchStartup();
  if (PARTS.includes('soak')) await benchSoak();
  if (PARTS.includes('topologies')) await benchTopologies();
}

/**
 * GET /products/:id under continuous load: the monolith, then the bare
 * baseline, each for BENCH_SOAK_SECONDS (default 70) at 50 connections,
 * reporting the requests of the first and of the last 10 s. A server whose
 * per-request work grows with what it has served shows it here.
 */
async function benchSoak() {
  const seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 70);
  const db = await database();
  const tessera = await startTopology('monolith', db);
  const baselinePort = await freePort();
  const baseline = startBaseline(db.env.DATABASE_URL, baselinePort);
  try {
    await waitReady(tessera.base, tessera.label);
    const adminToken = (await call(tessera.base, 'POST', '/auth/login', ADMIN)).accessToken;
    const product = await call(
      tessera.base,
      'POST',
      '/products',
      { sku: `SOAK-${Date.now()}`, name: 'Soak widget', price: { amount: 999, currency: 'USD' }, stock: 1000 },
      adminToken,
    );
    const baselineBase = `http://127.0.0.1:${baselinePort}`;
    await waitUntil(async () => (await fetch(`${baselineBase}/health/live`)).ok, 'the baseline server');
    console.log(`\n## GET /products/:id for ${seconds} s without a pause, 50 connections, on Postgres`);
    const rows = [];
    for (const [side, base] of [
      ['Tessera', tessera.base],
      ['bare Fastify + pg', baselineBase],
    ]) {
      const perSecond = await runPerSecond({ url: `${base}/products/${product.id}`, connections: 50, duration: seconds });
      const first = perSecond.slice(0, 10);
      const last = perSecond.slice(-10);
      const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
      rows.push({ side, first: mean(first), last: mean(last) });
      console.log(`${side}: ${mean(first).toFixed(0)} req/s in the first 10 s, ${mean(last).toFixed(0)} req/s in the last 10 s`);
    }
    const [t, b] = rows;
    console.log(`\n| what | first 10 s | last 10 s | last / first |`);
    console.log('| --- | --- | --- | --- |');
    for (const row of rows)
      console.log(`| ${row.side} | ${row.first.toFixed(0)} req/s | ${row.last.toFixed(0)} req/s | ${((row.last / row.first) * 100).toFixed(0)}% |`);
    console.log(`| Tessera / bare | ${((t.first / b.first) * 100).toFixed(0)}% | ${((t.last / b.last) * 100).toFixed(0)}% | |`);
    return rows;
  } finally {
    await stopServer(baseline);
    await stopAll(tessera.processes);
    await db.drop();
  }
}

/** Runs autocannon and answers the successful (2xx) responses of each second of the run. */
function runPerSecond(options) {
  return new Promise((resolve, reject) => {
    const perSecond = [];
    let successes = 0;
    const instance = autocannon(options, (error) => (error ? reject(error) : resolve(perSecond)));
    instance.on('response', (_client, statusCode) => {
      if (statusCode >= 200 && statusCode < 300) successes++;
    });
    instance.on('tick', () => {
      perSecond.push(successes);
      successes = 0;
    });
  });
}

module.exports = { benchRatios, benchTracing };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
