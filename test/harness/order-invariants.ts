import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

/** The rows the order-flow invariants are checked on, read from the one database of a monolith. */
export interface OrderFlowRows {
  products: { id: string; stock: number }[];
  reservationLines: { reservation_id: string; status: string; product_id: string; quantity: number }[];
  orders: { id: string; status: string; items: { productId: string; quantity: number }[]; expires_at_ms: number }[];
  payments: { order_id: string; status: string }[];
  placements: { n: number }[];
  expiredReservations: { n: number }[];
}

const QUERIES: Record<keyof OrderFlowRows, string> = {
  products: 'SELECT id::text, stock FROM catalog.products',
  reservationLines: `SELECT r.reservation_id::text, r.status, l.product_id::text, l.quantity
                       FROM catalog.reservations r JOIN catalog.reservation_lines l ON l.reservation_id = r.reservation_id`,
  orders: 'SELECT id::text, status, items, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_at_ms FROM ordering.orders',
  payments: 'SELECT order_id::text, status FROM payments.payments',
  placements: 'SELECT count(*)::int AS n FROM ordering.order_placements',
  expiredReservations: `SELECT count(*)::int AS n FROM catalog.outbox WHERE pattern = 'catalog.reservation.expired'`,
};

/** The rows of a Postgres database the test can reach while the app runs. */
export async function readPostgres(url: string): Promise<OrderFlowRows> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const rows: Partial<OrderFlowRows> = {};
    for (const [name, sql] of Object.entries(QUERIES)) (rows as Record<string, unknown>)[name] = (await client.query(sql)).rows;
    return rows as OrderFlowRows;
  } finally {
    await client.end();
  }
}

/** The rows of an embedded database whose process has stopped. */
export async function readEmbedded(dir: string): Promise<OrderFlowRows> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'read-embedded-database.js'), dir, JSON.stringify(QUERIES)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as OrderFlowRows;
}

/**
 * Everything that must hold once the order flow is at rest, whatever was
 * killed when, as a list of what does not (empty when all holds):
 * - per product, stock + units held by RESERVED + units sold by COMMITTED reservations = its initial stock;
 * - an order awaiting payment holds its units RESERVED, a confirmed one COMMITTED, a cancelled one nothing;
 *   no reservation holds units without such an order;
 * - no order awaits payment past its expiry;
 * - a confirmed order has exactly one SUCCEEDED payment, a cancelled one none; no order was charged twice;
 *   no payment is left PENDING (the sweeper settles those of requests that died);
 * - no placement is left unfinished, and the catalog never had to release stock nobody came back for.
 */
export function orderFlowViolations(rows: OrderFlowRows, initialStock: ReadonlyMap<string, number>, now = new Date()): string[] {
  const violations: string[] = [];
  const heldBy = new Map<string, { status: string; lines: Map<string, number> }>();
  const unitsOut = new Map<string, number>();
  for (const line of rows.reservationLines) {
    const reservation = heldBy.get(line.reservation_id) ?? { status: line.status, lines: new Map<string, number>() };
    reservation.lines.set(line.product_id, line.quantity);
    heldBy.set(line.reservation_id, reservation);
    if (line.status !== 'RELEASED') unitsOut.set(line.product_id, (unitsOut.get(line.product_id) ?? 0) + line.quantity);
  }
  for (const product of rows.products) {
    const initial = initialStock.get(product.id);
    if (initial === undefined) continue;
    const out = unitsOut.get(product.id) ?? 0;
    if (product.stock + out !== initial) violations.push(`product ${product.id}: stock ${product.stock} + held or sold ${out} != initial ${initial}`);
  }

  const expected: Record<string, string | undefined> = { AWAITING_PAYMENT: 'RESERVED', CONFIRMED: 'COMMITTED', CANCELLED: undefined };
  const orderIds = new Set(rows.orders.map((order) => order.id));
  for (const order of rows.orders) {
    const reservation = heldBy.get(order.id);
    const holding = reservation && reservation.status !== 'RELEASED' ? reservation.status : undefined;
    if (holding !== expected[order.status]) violations.push(`order ${order.id} is ${order.status} but its reservation is ${reservation?.status ?? 'absent'}`);
    if (holding) {
      for (const item of order.items) {
        if (reservation!.lines.get(item.productId) !== item.quantity)
          violations.push(`order ${order.id} holds ${reservation!.lines.get(item.productId)} of ${item.productId}, not ${item.quantity}`);
      }
    }
    if (order.status === 'AWAITING_PAYMENT' && Number(order.expires_at_ms) <= now.getTime())
      violations.push(`order ${order.id} awaits payment past its expiry`);
    const payments = rows.payments.filter((payment) => payment.order_id === order.id);
    const succeeded = payments.filter((payment) => payment.status === 'SUCCEEDED').length;
    const charged = payments.filter((payment) => payment.status === 'SUCCEEDED' || payment.status === 'REFUNDED').length;
    if (order.status === 'CONFIRMED' && succeeded !== 1) violations.push(`order ${order.id} is CONFIRMED with ${succeeded} SUCCEEDED payments`);
    if (order.status === 'CANCELLED' && succeeded !== 0) violations.push(`order ${order.id} is CANCELLED but keeps a SUCCEEDED payment`);
    if (charged > 1) violations.push(`order ${order.id} was charged ${charged} times`);
    const pending = payments.filter((payment) => payment.status === 'PENDING').length;
    if (pending > 0) violations.push(`order ${order.id} has ${pending} payment(s) left PENDING`);
  }
  for (const [reservationId, reservation] of heldBy) {
    if (reservation.status !== 'RELEASED' && !orderIds.has(reservationId))
      violations.push(`reservation ${reservationId} is ${reservation.status} for no order`);
  }
  if (rows.placements[0]?.n) violations.push(`${rows.placements[0].n} placements are unfinished`);
  if (rows.expiredReservations[0]?.n) violations.push(`the catalog had to release ${rows.expiredReservations[0].n} reservations nobody came back for`);
  return violations;
}

/**
 * Reads the rows until every invariant holds, answering what still does not
 * once `timeoutMs` has gone by (empty when all holds). Events a killed process
 * had leased wait out their lease before another relay sends them, so reads
 * are `pauseMs` apart.
 */
export async function orderFlowViolationsAtRest(
  read: () => Promise<OrderFlowRows>,
  initialStock: ReadonlyMap<string, number>,
  { timeoutMs = 120_000, pauseMs = 2000 }: { timeoutMs?: number; pauseMs?: number } = {},
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const violations = orderFlowViolations(await read(), initialStock);
    if (violations.length === 0 || Date.now() > deadline) return violations;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** The orders stored for the load's products that no key was answered with: recovery must place none a retry did not see. */
export function ordersNoKeyAnswered(rows: OrderFlowRows, products: readonly string[], ordersOfKeys: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const answered = new Set([...ordersOfKeys.values()].flatMap((orders) => [...orders]));
  return rows.orders.filter((order) => order.items.some((item) => products.includes(item.productId)) && !answered.has(order.id)).map((order) => order.id);
}
