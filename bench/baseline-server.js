#!/usr/bin/env node
// The bare baseline Tessera is measured against: Fastify and pg, nothing else, on the same database, doing the same
// work as the monolith for each benchmarked route. GET /products/:id runs the SELECT the catalog runs; the order flow
// does the same durable work in one statement per request (stock taken and the order stored; the payment stored and
// the order confirmed). GET /health/live answers as Fastify's hello world does. No authentication, validation,
// logging, rate limits, events or crash recovery: those are what the ratio prices. Its statements are prepared (named),
// as Tessera's are (preparedQuery): Postgres parses and plans each once a connection, on both sides. One pool of 10
// connections, as each of the monolith's contexts has.
// DATABASE_URL, PORT; started by bench/run.js.
const Fastify = require('fastify');
const { Pool } = require('pg');
const { randomUUID } = require('node:crypto');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = Fastify({ logger: false });

const SCHEMA = `
  CREATE SCHEMA IF NOT EXISTS baseline;
  CREATE TABLE IF NOT EXISTS baseline.orders (
    id uuid PRIMARY KEY, user_id uuid NOT NULL, product_id uuid NOT NULL, quantity integer NOT NULL,
    total_amount bigint NOT NULL, currency char(3) NOT NULL, status text NOT NULL, payment_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE IF NOT EXISTS baseline.payments (
    id uuid PRIMARY KEY, order_id uuid NOT NULL UNIQUE, amount bigint NOT NULL, currency char(3) NOT NULL,
    status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`;

const USER_ID = randomUUID();

app.get('/health/live', async () => ({ status: 'ok' }));

app.get('/products/:id', async (request, reply) => {
  const { rows } = await pool.query({
    name: 'product-by-id',
    text: 'SELECT id, sku, name, description, price_amount, price_currency, stock, created_at, updated_at FROM catalog.products WHERE id = $1',
    values: [request.params.id],
  });
  if (rows.length === 0) return reply.code(404).send({ code: 'PRODUCT_NOT_FOUND' });
  const row = rows[0];
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: { amount: Number(row.price_amount), currency: row.price_currency.trim() },
    stock: row.stock,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
});

app.post('/orders', async (request, reply) => {
  const [{ productId, quantity }] = request.body.items;
  const { rows } = await pool.query({
    name: 'place-order',
    text: `WITH taken AS (
       UPDATE catalog.products SET stock = stock - $2, updated_at = now() WHERE id = $1 AND stock >= $2
       RETURNING price_amount, price_currency)
     INSERT INTO baseline.orders (id, user_id, product_id, quantity, total_amount, currency, status)
       SELECT $3, $4, $1, $2, price_amount * $2, price_currency, 'AWAITING_PAYMENT' FROM taken
     RETURNING id, status, total_amount, currency`,
    values: [productId, quantity, randomUUID(), USER_ID],
  });
  if (rows.length === 0) return reply.code(409).send({ code: 'INSUFFICIENT_STOCK' });
  return reply.code(201).send({ id: rows[0].id, status: rows[0].status, total: { amount: Number(rows[0].total_amount), currency: rows[0].currency } });
});

app.post('/payments', async (request, reply) => {
  const { rows } = await pool.query({
    name: 'pay-order',
    text: `WITH confirmed AS (
       UPDATE baseline.orders SET status = 'CONFIRMED', payment_id = $2, updated_at = now() WHERE id = $1 AND status = 'AWAITING_PAYMENT'
       RETURNING id, total_amount, currency)
     INSERT INTO baseline.payments (id, order_id, amount, currency, status)
       SELECT $2, id, total_amount, currency, 'SUCCEEDED' FROM confirmed
     RETURNING id, order_id, status`,
    values: [request.body.orderId, randomUUID()],
  });
  if (rows.length === 0) return reply.code(409).send({ code: 'ORDER_NOT_PAYABLE' });
  return reply.code(201).send({ id: rows[0].id, orderId: rows[0].order_id, status: rows[0].status });
});

(async () => {
  await pool.query(SCHEMA);
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.stdout.write('listening\n');
})().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});

process.on('SIGTERM', async () => {
  await app.close();
  await pool.end();
  process.exit(0);
});
