#!/usr/bin/env node
// Measures the shop from outside, as a client would: req/s and latency of a product read and of the order flow
// (POST /orders then POST /payments), on each topology in turn, in one run: the monolith, the gateway and four
// contexts over TCP, and the same over NATS. `npm run bench` after `npm run build`.
// BENCH_TOPOLOGIES (default monolith,tcp,nats; also rmq); BENCH_DATABASE_URL (default: a fresh database on the
// local Postgres per topology) or BENCH_DATABASE=embedded (monolith only); BENCH_SECONDS (default 15),
// BENCH_CONNECTIONS (default 20); NATS_URL, RABBITMQ_URL as for the apps.
const autocannon = require('autocannon');
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { createServer } = require('node:net');
const { join } = require('node:path');
const { Client } = require('pg');

const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };
const TOPOLOGIES = (process.env.BENCH_TOPOLOGIES ?? 'monolith,tcp,nats').split(',').map((name) => name.trim());
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

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

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
      const rps = ok / (result.duration || SECONDS);
      console.log(`${title}: ${rps.toFixed(0)} successful req/s (${result.non2xx} non-2xx, ${result.errors} errors), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
      resolve(result);
    });
  });
}

function startApp(app, env) {
  return spawn(process.execPath, [join(ROOT, `dist/apps/${app}/src/main.js`)], { cwd: ROOT, env: { ...process.env, ...COMMON_ENV, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
}

async function waitReady(url, what) {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {}
    if (i > 600) throw new Error(`${what} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts one topology on its own database; resolves to its gateway's URL and a stop function. */
async function startTopology(kind, db) {
  const gatewayPort = await freePort();
  if (kind === 'monolith') {
    const monolith = startApp('monolith', { ...db.env, PORT: String(gatewayPort) });
    return { base: `http://127.0.0.1:${gatewayPort}`, processes: [monolith], label: 'the monolith (in process)' };
  }
  const namespace = `bench-${randomBytes(3).toString('hex')}`;
  const transportEnv = { TRANSPORT: kind, MESSAGING_NAMESPACE: namespace };
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

async function removeNamespace(kind, namespace) {
  // The names the apps use, from the build the bench runs.
  const { BrokerNames } = require('../dist/libs/messaging/src/transports/broker-names');
  const names = new BrokerNames(namespace);
  if (kind === 'nats') {
    const { connect } = require('nats');
    const connection = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    const manager = await connection.jetstreamManager();
    await manager.streams.delete(names.eventsStream).catch(() => undefined);
    await connection.close();
  } else if (kind === 'rmq') {
    const amqp = require('amqplib');
    const connection = await amqp.connect(process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
    const channel = await connection.createChannel();
    for (const context of CONTEXTS) {
      await channel.deleteQueue(names.requestQueue(context));
      await channel.deleteQueue(names.eventQueue(context));
    }
    await channel.deleteExchange(names.eventsExchange);
    await connection.close();
  }
}

async function benchTopology(kind) {
  if (kind !== 'monolith' && process.env.BENCH_DATABASE === 'embedded') throw new Error('a split topology needs Postgres: unset BENCH_DATABASE');
  const db = await database();
  const topology = await startTopology(kind, db);
  const base = topology.base;
  try {
    await waitReady(base, topology.label);
    const adminToken = (await call(base, 'POST', '/auth/login', ADMIN)).accessToken;
    const product = await call(base, 'POST', '/products', { sku: `BENCH-${Date.now()}`, name: 'Bench widget', price: { amount: 999, currency: 'USD' }, stock: 100000000 }, adminToken);
    const email = `bench-${Date.now()}@example.com`;
    await call(base, 'POST', '/auth/register', { email, password: 'bench-password', name: 'Bench' });
    const token = (await call(base, 'POST', '/auth/login', { email, password: 'bench-password' })).accessToken;
    console.log(`\n## Tessera as ${topology.label}, on ${db.label}; ${CONNECTIONS} connections, ${SECONDS} s each`);

    const read = await run('GET /products/:id', { url: `${base}/products/${product.id}` });

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const flow = await run('POST /orders + POST /payments (one order flow = 2 requests)', {
      url: base,
      requests: [
        {
          method: 'POST',
          path: '/orders',
          headers,
          body: JSON.stringify({ items: [{ productId: product.id, quantity: 1 }] }),
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
      ],
    });
    const orders = await call(base, 'GET', '/orders?limit=1', undefined, token);
    console.log(`orders placed in the run: ${orders.total}`);
    return { topology: kind, readRps: rate(read), flowRps: rate(flow), orders: orders.total };
  } finally {
    await stopAll(topology.processes);
    if (topology.namespace) await removeNamespace(kind, topology.namespace);
    await db.drop();
  }
}

async function stopAll(processes) {
  for (const child of [...processes].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

function rate(result) {
  return Math.round(result['2xx'] / (result.duration || SECONDS));
}

async function main() {
  const results = [];
  for (const kind of TOPOLOGIES) results.push(await benchTopology(kind));
  console.log('\n| topology | GET /products/:id req/s | order flow req/s | orders placed |');
  console.log('|---|---|---|---|');
  for (const r of results) console.log(`| ${r.topology} | ${r.readRps} | ${r.flowRps} | ${r.orders} |`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
