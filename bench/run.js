#!/usr/bin/env node
// Measures the shop from outside, as a client would: req/s and latency of a product read and of the order flow
// (POST /orders then POST /payments) on the monolith. `npm run bench` after `npm run build`.
// BENCH_DATABASE_URL (default: a fresh database on the local Postgres) or BENCH_DATABASE=embedded;
// BENCH_SECONDS (default 15), BENCH_CONNECTIONS (default 20).
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

async function main() {
  const db = await database();
  const port = await freePort();
  const app = spawn(process.execPath, [join(ROOT, 'dist/apps/monolith/src/main.js')], {
    cwd: ROOT,
    env: { ...process.env, ...db.env, PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'development', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, JWT_SECRET: 'bench-secret-long-enough-for-hs256', RATE_LIMIT_PER_MINUTE: '100000000', LOGIN_RATE_LIMIT_PER_MINUTE: '100000' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/health/ready`)).ok) break;
      } catch {}
      if (i > 300) throw new Error('the monolith did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const adminToken = (await call(base, 'POST', '/auth/login', ADMIN)).accessToken;
    const product = await call(base, 'POST', '/products', { sku: `BENCH-${Date.now()}`, name: 'Bench widget', price: { amount: 999, currency: 'USD' }, stock: 100000000 }, adminToken);
    const email = `bench-${Date.now()}@example.com`;
    await call(base, 'POST', '/auth/register', { email, password: 'bench-password', name: 'Bench' });
    const token = (await call(base, 'POST', '/auth/login', { email, password: 'bench-password' })).accessToken;
    console.log(`Tessera monolith on ${db.label}; ${CONNECTIONS} connections, ${SECONDS} s each`);

    await run('GET /products/:id', { url: `${base}/products/${product.id}` });

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    await run('POST /orders + POST /payments (one order flow = 2 requests)', {
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
  } finally {
    app.kill('SIGTERM');
    await new Promise((resolve) => app.once('exit', resolve));
    await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
