import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Api, ApiResponse } from '../harness/http';
import { failuresOf, LoadSample, steadyLoad } from '../harness/load';
import { PrivateNatsServer } from '../harness/nats-server';
import { createTestDatabase } from '../harness/postgres';
import { AppProcess, waitForStatus } from '../harness/processes';
import { describeWith, RunningTopology, startSplit, TEST_ADMIN, untilEveryContextAnswers } from '../harness/topologies';
import { eventually, expectProblem } from './expectations';
import { untilPasses } from '../harness/eventually';

type Customer = { id: string; token: string };
type Product = { id: string; stock: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function adminTokenOf(api: Api): Promise<string> {
  const login = await api.post('/auth/login', TEST_ADMIN);
  expect(login.status).toBe(200);
  return login.body.accessToken;
}

async function newCustomer(api: Api): Promise<Customer> {
  const email = `faults-${randomUUID().slice(0, 8)}@example.com`;
  const registered = await api.post('/auth/register', { email, password: 'correct horse battery', name: 'Faulty Buyer' });
  expect(registered.status).toBe(201);
  const login = await api.post('/auth/login', { email, password: 'correct horse battery' });
  expect(login.status).toBe(200);
  return { id: registered.body.id, token: login.body.accessToken };
}

async function newProduct(api: Api, adminToken: string, stock: number, price = 500): Promise<Product> {
  const response = await api.post(
    '/products',
    { sku: `FLT-${randomUUID().slice(0, 8)}`, name: 'Fault-tolerant kettle', price: { amount: price, currency: 'USD' }, stock },
    { token: adminToken },
  );
  expect(response.status).toBe(201);
  return response.body;
}

async function stockOf(api: Api, productId: string): Promise<number> {
  const response = await api.get(`/products/${productId}`);
  expect(response.status).toBe(200);
  return response.body.stock;
}

/** Waits until `condition` holds, failing with `what` after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * The gateway ready and reaching every context again, `processes` watched so that a crash fails at once. The
 * gateway's readiness is its own (its broker): a context restarted behind it is reached once /health/contexts says so.
 */
async function gatewayReady(topology: RunningTopology, processes: AppProcess[], timeoutMs = 30_000): Promise<void> {
  await waitForStatus(`${topology.baseUrl}/health/ready`, 200, processes, timeoutMs);
  await untilEveryContextAnswers(topology.baseUrl);
}

describeWith(['postgres', 'nats'])('faults on the NATS split, on Postgres', () => {
  describe('processes of the split (payments, and one of two catalog processes) stopped under load and started again', () => {
    // Short enough that every order the stream leaves unpaid expires within the test, long enough to pay after a restart.
    const PAYMENT_TIMEOUT_SECONDS = 20;
    const MIN_ORDERS = 30;
    const MAX_ORDERS = 80;
    const INITIAL_STOCK = 60;
    const PACE_MS = 200;
    const RETRY_PAUSE_MS = 300;

    let topology: RunningTopology;
    // Ordering and payments keep their data here rather than in the topology's database, so the test can read their ledgers.
    let ledger: { url: string; drop: () => Promise<void> };

    beforeAll(async () => {
      ledger = await createTestDatabase();
      topology = await startSplit('postgres', 'nats', {
        replicas: { catalog: 2 },
        env: { ORDER_PAYMENT_TIMEOUT_SECONDS: String(PAYMENT_TIMEOUT_SECONDS), ORDERING_DATABASE_URL: ledger.url, PAYMENTS_DATABASE_URL: ledger.url },
      });
    }, 120_000);

    afterAll(async () => {
      await topology?.stop();
      await ledger?.drop();
    }, 60_000);

    interface Attempt {
      method: string;
      status: number;
      code?: string;
      paymentId?: string;
    }

    interface StreamOrder {
      id: string;
      customer: Customer;
      quantity: number;
      total: { amount: number; currency: string };
      /** The payment methods the client tries in turn, the next one only after a decline. */
      plan: string[];
      attempts: Attempt[];
    }

    /** Every fifth order is only ever declined; every fifth, offset by one, is declined once and then paid with a good card. */
    function planOf(index: number): string[] {
      if (index % 5 === 3) return ['pm_card_chargeDeclined'];
      if (index % 5 === 4) return ['pm_card_insufficientFunds', 'pm_card_mastercard'];
      return ['pm_card_visa'];
    }

    /**
     * What a careful client does: one Idempotency-Key per payment method, and
     * on 503 (payments down) or 409 IDEMPOTENCY_KEY_IN_USE (an attempt whose
     * process died still holds the key) the same request again a little later,
     * for as long as the order awaits payment. A decline moves on to the next method.
     */
    async function payAsAClientWould(api: Api, order: StreamOrder): Promise<void> {
      for (const method of order.plan) {
        const key = randomUUID();
        for (;;) {
          const response = await api.post(
            '/payments',
            { orderId: order.id, paymentMethod: method },
            { token: order.customer.token, headers: { 'Idempotency-Key': key } },
          );
          order.attempts.push({
            method,
            status: response.status,
            code: response.body?.code,
            paymentId: response.status === 201 ? response.body.id : response.body?.paymentId,
          });
          if (response.status === 201) return;
          if (response.status === 402) break;
          const worthRetrying =
            (response.status === 503 && response.body?.code === 'CONTEXT_UNAVAILABLE') ||
            (response.status === 409 && response.body?.code === 'IDEMPOTENCY_KEY_IN_USE');
          // ORDER_NOT_PAYABLE (an earlier attempt whose answer was lost went through, or the order expired) ends it; anything else is a failure the test reports.
          if (!worthRetrying) return;
          const current = await api.get(`/orders/${order.id}`, { token: order.customer.token });
          if (current.status === 200 && current.body.status !== 'AWAITING_PAYMENT') return;
          await sleep(RETRY_PAUSE_MS);
        }
      }
    }

    it('ends every order CONFIRMED exactly when a payment for it succeeded and CANCELLED otherwise, each change once, with no unit of stock lost or oversold', async () => {
      const api = await new Api(topology.baseUrl).holdingToOpenApi();
      const adminToken = await adminTokenOf(api);
      const customers = await Promise.all([1, 2, 3].map(() => newCustomer(api)));
      const product = await newProduct(api, adminToken, INITIAL_STOCK);

      const orders: StreamOrder[] = [];
      const refusals: ApiResponse[] = [];
      const paying: Promise<void>[] = [];
      const outages: { signal: string; at: number }[] = [];
      let attempted = 0;
      let faultsDone = false;

      // A SIGKILL (no goodbye: requests in flight are lost mid-way), then, once payments is back, a SIGTERM (a drained stop);
      // each time payments is started again at once, as a supervisor would, while the stream goes on.
      const faults = (async () => {
        let next = 6;
        for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
          await until(() => attempted >= next, `order ${next} of the stream`, 60_000);
          const at = Date.now();
          await topology.processes.payments.stop(signal);
          outages.push({ signal, at });
          topology.processes.payments = topology.processes.payments.restart();
          await gatewayReady(topology, [topology.processes.payments]);
          next = attempted + 3;
        }
      })().finally(() => (faultsDone = true));

      // The stream runs through both outages and a few orders beyond.
      let lastIndex = MIN_ORDERS;
      for (let index = 0; index < lastIndex && index < MAX_ORDERS; index++) {
        const customer = customers[index % customers.length];
        const quantity = 1 + (index % 2);
        const placed = await api.post('/orders', { items: [{ productId: product.id, quantity }] }, { token: customer.token });
        attempted++;
        if (placed.status === 409) {
          refusals.push(placed);
        } else {
          expect(placed.status).toBe(201);
          const order: StreamOrder = { id: placed.body.id, customer, quantity, total: placed.body.total, plan: planOf(index), attempts: [] };
          orders.push(order);
          paying.push(payAsAClientWould(api, order));
        }
        if (!faultsDone) lastIndex = Math.max(lastIndex, index + 5);
        await sleep(PACE_MS);
      }
      await faults;
      await Promise.all(paying);
      expect(outages.map((outage) => outage.signal)).toEqual(['SIGKILL', 'SIGTERM']);

      // Nothing but the answers a client may get: no 500, no bad gateway, no unexpected refusal.
      const expected = new Set(['201', '402 PAYMENT_DECLINED', '503 CONTEXT_UNAVAILABLE', '409 IDEMPOTENCY_KEY_IN_USE', '409 ORDER_NOT_PAYABLE']);
      const answers = orders.flatMap((order) => order.attempts.map((attempt) => (attempt.status === 201 ? '201' : `${attempt.status} ${attempt.code}`)));
      expect(answers.filter((answer) => !expected.has(answer))).toEqual([]);
      // The outages were felt by the stream, and clients who met one still paid once payments was back.
      expect(answers).toContain('503 CONTEXT_UNAVAILABLE');
      const paidAfterAnOutage = orders.filter((order) => order.attempts.some((a) => a.status === 503) && order.attempts.some((a) => a.status === 201));
      expect(paidAfterAnOutage.length).toBeGreaterThan(0);
      for (const refusal of refusals) expectProblem(refusal, 409, 'INSUFFICIENT_STOCK');
      expect(orders.length).toBeGreaterThanOrEqual(20);

      // Every order not paid expires PAYMENT_TIMEOUT_SECONDS after it was placed; then nothing is left awaiting payment.
      const finals = await eventually(
        () => Promise.all(orders.map(async (order) => (await api.get(`/orders/${order.id}`, { token: order.customer.token })).body)),
        (read) => read.every((order) => order.status === 'CONFIRMED' || order.status === 'CANCELLED'),
        (PAYMENT_TIMEOUT_SECONDS + 20) * 1000,
        500,
      );

      for (const [i, order] of orders.entries()) {
        const final = finals[i];
        const context = `order ${i} (${order.plan.join(' then ')}; answers ${order.attempts.map((a) => `${a.status}${a.code ? ` ${a.code}` : ''}`).join(', ')})`;
        const history = (await api.get(`/orders/${order.id}/history`, { token: order.customer.token })).body as { type: string; version: number; data: any }[];
        // Each transition once: placed, then confirmed or cancelled, nothing lost, nothing applied twice.
        expect({ context, versions: history.map((entry) => entry.version) }).toEqual({ context, versions: [1, 2] });
        const succeeded = order.attempts.filter((a) => a.status === 201);
        const declined = order.attempts.filter((a) => a.status === 402);
        for (const attempt of declined) {
          const payment = await api.get(`/payments/${attempt.paymentId}`, { token: order.customer.token });
          expect({ context, status: payment.body.status }).toEqual({ context, status: 'FAILED' });
        }
        if (final.status === 'CONFIRMED') {
          expect({ context, types: history.map((entry) => entry.type) }).toEqual({ context, types: ['OrderPlaced', 'OrderConfirmed'] });
          const paymentId = history[1].data.paymentId;
          const payment = await api.get(`/payments/${paymentId}`, { token: order.customer.token });
          expect({ context, payment: payment.body }).toEqual({
            context,
            payment: expect.objectContaining({ orderId: order.id, status: 'SUCCEEDED', amount: order.total }),
          });
          // A success the client was told of is the one that confirmed the order.
          expect({ context, ids: succeeded.map((a) => a.paymentId) }).toEqual({ context, ids: succeeded.map(() => paymentId) });
          expect({ context, method: payment.body.paymentMethod }).toEqual({ context, method: order.plan[order.plan.length - 1] });
        } else {
          expect({ context, types: history.map((entry) => entry.type), reason: final.cancellationReason }).toEqual({
            context,
            types: ['OrderPlaced', 'OrderCancelled'],
            reason: 'PAYMENT_EXPIRED',
          });
          expect({ context, succeeded }).toEqual({ context, succeeded: [] });
        }
        // Where the client got its answers, the outcome is decided: a success confirms, declines alone expire.
        if (succeeded.length > 0) expect({ context, status: final.status }).toEqual({ context, status: 'CONFIRMED' });
        if (order.plan.length === 1 && order.plan[0] === 'pm_card_chargeDeclined')
          expect({ context, status: final.status }).toEqual({ context, status: 'CANCELLED' });
      }

      // Nothing lost or oversold: what is left is what was there, less what confirmed orders bought; expired orders gave theirs back.
      const confirmedUnits = orders.reduce((sum, order, i) => sum + (finals[i].status === 'CONFIRMED' ? order.quantity : 0), 0);
      expect(confirmedUnits).toBeGreaterThan(0);
      await eventually(
        () => stockOf(api, product.id),
        (stock) => stock === INITIAL_STOCK - confirmedUnits,
        15_000,
      );

      // The payments ledger agrees with the orders: one charge kept per confirmed order, none kept for a cancelled one.
      const db = new Client({ connectionString: ledger.url });
      await db.connect();
      try {
        const rows: { id: string; order_id: string; status: string; created_at: Date }[] = (
          await db.query(`SELECT id, order_id, status, created_at FROM payments.payments`)
        ).rows;
        const byOrder = new Map(orders.map((order) => [order.id, rows.filter((row) => row.order_id === order.id)]));
        expect(rows.filter((row) => !byOrder.has(row.order_id))).toEqual([]);
        for (const [i, order] of orders.entries()) {
          const charges = byOrder.get(order.id)!;
          const kept = charges.filter((row) => row.status === 'SUCCEEDED').map((row) => row.id);
          if (finals[i].status === 'CONFIRMED') {
            const history = (await api.get(`/orders/${order.id}/history`, { token: order.customer.token })).body;
            expect({ order: i, kept }).toEqual({ order: i, kept: [history[1].data.paymentId] });
          } else {
            expect({ order: i, kept }).toEqual({ order: i, kept: [] });
          }
        }
        // Only a charge cut off by the SIGKILL may still be PENDING (the sweeper settles it a minute later, and its order, expired, gets
        // it back); the SIGTERM lets payments finish what it has taken, so none begun after the SIGKILL is.
        expect(rows.filter((row) => row.status === 'PENDING' && row.created_at.getTime() > outages[0].at)).toEqual([]);
        // Every event both contexts committed has been handed to the broker.
        await eventually(
          async () =>
            (
              await db.query(
                `SELECT (SELECT count(*) FROM payments.outbox WHERE published_at IS NULL) + (SELECT count(*) FROM ordering.outbox WHERE published_at IS NULL) AS pending`,
              )
            ).rows[0].pending,
          (pending) => Number(pending) === 0,
          15_000,
        );
      } finally {
        await db.end();
      }
    }, 150_000);

    it('finishes, when stopped with SIGTERM, every payment it had taken: each answered, or cleanly payable again after the restart', async () => {
      const api = new Api(topology.baseUrl);
      const adminToken = await adminTokenOf(api);
      const buyer = await newCustomer(api);
      const product = await newProduct(api, adminToken, 20);
      await gatewayReady(topology, [topology.processes.payments]);
      const orders = await Promise.all(
        Array.from({ length: 8 }, async () => (await api.post('/orders', { items: [{ productId: product.id, quantity: 1 }] }, { token: buyer.token })).body),
      );
      const keys = orders.map(() => randomUUID());
      const pay = (i: number) =>
        api.post('/payments', { orderId: orders[i].id, paymentMethod: 'pm_card_visa' }, { token: buyer.token, headers: { 'Idempotency-Key': keys[i] } });

      // Payments asked for one after another, with the signal in the middle of them: some are surely in payments' hands when it comes.
      const answers: Promise<ApiResponse>[] = [];
      const stopped = (async () => {
        await sleep(40);
        await topology.processes.payments.stop('SIGTERM');
      })();
      for (let i = 0; i < orders.length; i++) {
        answers.push(pay(i));
        await sleep(10);
      }
      await stopped;
      const firstAnswers = await Promise.all(answers);
      expect(
        firstAnswers.map((r) => (r.status === 201 ? '201' : `${r.status} ${r.body?.code}`)).filter((a) => a !== '201' && a !== '503 CONTEXT_UNAVAILABLE'),
      ).toEqual([]);

      topology.processes.payments = topology.processes.payments.restart();
      await gatewayReady(topology, [topology.processes.payments]);
      // The same request again: a payment that went through is answered again, one that never started runs now; none is stuck half-done.
      const again = await Promise.all(orders.map((_, i) => pay(i)));
      expect(again.map((r) => r.status)).toEqual(orders.map(() => 201));
      for (const [i, first] of firstAnswers.entries()) if (first.status === 201) expect(again[i].body.id).toBe(first.body.id);
      for (const order of orders) expect((await api.get(`/orders/${order.id}`, { token: buyer.token })).body.status).toBe('CONFIRMED');
    }, 60_000);

    it.each(['SIGTERM', 'SIGKILL'] as const)(
      'keeps answering through the other catalog process when one gets %s',
      async (signal) => {
        const api = new Api(topology.baseUrl);
        const adminToken = await adminTokenOf(api);
        const buyer = await newCustomer(api);
        const products = await Promise.all([1, 2, 3].map(() => newProduct(api, adminToken, 1000)));
        // The replica that goes down is the one that did not go down last time, so the other is surely up.
        const victim = signal === 'SIGTERM' ? 'catalog-2' : 'catalog';
        const survivor = topology.processes[victim === 'catalog' ? 'catalog-2' : 'catalog'];
        expect(survivor.running).toBe(true);
        await gatewayReady(topology, Object.values(topology.processes));

        const origin = Date.now();
        const reads = steadyLoad(10, async (worker, iteration) => ({
          label: 'GET /products/:id',
          response: await api.get(`/products/${products[(worker + iteration) % products.length].id}`),
        }));
        const unansweredPayments: string[] = [];
        const orders = steadyLoad(
          1,
          async (_, iteration) => {
            const placed = await api.post('/orders', { items: [{ productId: products[iteration % products.length].id, quantity: 1 }] }, { token: buyer.token });
            if (placed.status !== 201) return { label: 'POST /orders', response: placed };
            const paid = await api.post('/payments', { orderId: placed.body.id, paymentMethod: 'pm_card_visa' }, { token: buyer.token });
            if (paid.status === 503) unansweredPayments.push(placed.body.id);
            return { label: 'POST /payments', response: paid };
          },
          100,
        );
        // Counted, not timed: on a loaded machine a second holds fewer requests, and the test is about the requests.
        await untilPasses(() => expect(reads.samples.length).toBeGreaterThan(20), 20_000, 50);
        const stoppedAt = Date.now();
        await topology.processes[victim].stop(signal);
        // Its exit is seen once the kernel has closed its sockets, so the broker and its clients know it is gone by then.
        const goneAt = Date.now();
        await untilPasses(
          () => {
            expect(reads.samples.filter((sample) => sample.startedAt > stoppedAt).length).toBeGreaterThan(30);
            expect(orders.samples.filter((sample) => sample.label === 'POST /payments').length).toBeGreaterThan(3);
          },
          30_000,
          50,
        );
        const samples: LoadSample[] = [...(await reads.stop()), ...(await orders.stop())];

        const reading = samples.filter((sample) => sample.label === 'GET /products/:id');
        // Queries are retried by the gateway's client, so a read never fails, even one the killed process had in hand.
        expect(failuresOf(reading, origin)).toEqual([]);
        if (signal === 'SIGTERM') {
          // A drained stop finishes what it took: nothing fails at all.
          expect(failuresOf(samples, origin)).toEqual([]);
        } else {
          // A command is never retried, since it may have run. One the killed process had in hand costs its caller the request
          // timeout, and the caller's own caller, waiting as long, answers 503: a reservation (POST /orders, released, which the
          // stock check below proves) or the commit behind a payment (POST /payments: the charge is kept and its event confirms
          // the order, checked below). The order's hop to catalog comes after its HTTP request started, so a request started
          // between the signal and the exit (which this test saw 120-240 ms apart) may still have handed its command to the dying
          // process. Nothing else may fail.
          const cutOff = samples.filter((sample) => sample.status !== 201 && sample.label !== 'GET /products/:id');
          const lostWithTheProcess = (sample: LoadSample) =>
            (sample.label === 'POST /orders' || sample.label === 'POST /payments') &&
            sample.status === 503 &&
            sample.code === 'CONTEXT_UNAVAILABLE' &&
            sample.startedAt <= goneAt;
          expect(cutOff.filter((sample) => !lostWithTheProcess(sample))).toEqual([]);
          for (const orderId of unansweredPayments) {
            const status = await eventually(
              async () => (await api.get(`/orders/${orderId}`, { token: buyer.token })).body.status,
              (value) => value === 'CONFIRMED',
              30_000,
            );
            expect({ orderId, status }).toEqual({ orderId, status: 'CONFIRMED' });
          }
        }
        expect(samples.filter((sample) => sample.label === 'POST /payments').length).toBeGreaterThan(3);
        expect(survivor.running).toBe(true);

        // Started again, it rejoins: readiness through the gateway, and stock as the orders left it.
        topology.processes[victim] = topology.processes[victim].restart();
        // On its own port: the gateway's readiness is satisfied by the other replica alone.
        await waitForStatus(`http://127.0.0.1:${topology.processes[victim].port}/health/ready`, 200, [topology.processes[victim]], 30_000);
        const bought = samples.filter((sample) => sample.label === 'POST /payments').length;
        const stocks = await Promise.all(products.map((product) => stockOf(api, product.id)));
        expect(stocks.reduce((sum, stock) => sum + stock, 0)).toBe(3 * 1000 - bought);
      },
      90_000,
    );
  });

  describe('the broker stopped and started again', () => {
    const PAYMENT_TIMEOUT_SECONDS = 6;
    let nats: PrivateNatsServer;
    let topology: RunningTopology;
    // Ordering keeps its data here, so that the test can see an expiry stored while no request reaches ordering.
    let ledger: { url: string; drop: () => Promise<void> };

    beforeAll(async () => {
      ledger = await createTestDatabase();
      nats = await PrivateNatsServer.start('faults-broker');
      topology = await startSplit('postgres', 'nats', {
        env: { NATS_URL: nats.url, ORDER_PAYMENT_TIMEOUT_SECONDS: String(PAYMENT_TIMEOUT_SECONDS), ORDERING_DATABASE_URL: ledger.url },
      }).catch(async (error) => {
        await nats.remove();
        throw error;
      });
    }, 120_000);

    afterAll(async () => {
      await topology?.stop();
      await nats?.remove();
      await ledger?.drop();
    }, 60_000);

    /** The order's status in ordering's own database: readable while the broker, and so ordering's API, is down. */
    async function storedStatusOf(orderId: string): Promise<string | undefined> {
      const db = new Client({ connectionString: ledger.url });
      await db.connect();
      try {
        return (await db.query(`SELECT status FROM ordering.orders WHERE id = $1`, [orderId])).rows[0]?.status;
      } finally {
        await db.end();
      }
    }

    it('degrades to 503 while it is down, and recovers by itself when it is back: readiness, new orders, and the events of the outage', async () => {
      const api = new Api(topology.baseUrl);
      const adminToken = await adminTokenOf(api);
      const buyer = await newCustomer(api);
      const product = await newProduct(api, adminToken, 10);

      const paidBefore = await api.post('/orders', { items: [{ productId: product.id, quantity: 2 }] }, { token: buyer.token });
      expect(paidBefore.status).toBe(201);
      expect((await api.post('/payments', { orderId: paidBefore.body.id, paymentMethod: 'pm_card_visa' }, { token: buyer.token })).status).toBe(201);
      // Left unpaid: it expires while the broker is down, so its cancellation can only reach the catalog once the broker is back.
      const expiresDuringOutage = await api.post('/orders', { items: [{ productId: product.id, quantity: 3 }] }, { token: buyer.token });
      expect(expiresDuringOutage.status).toBe(201);
      expect(await stockOf(api, product.id)).toBe(5);

      await nats.stop();
      const downAt = Date.now();

      const read = await api.get(`/products/${product.id}`);
      expectProblem(read, 503, 'CONTEXT_UNAVAILABLE');
      expectProblem(await api.post('/orders', { items: [{ productId: product.id, quantity: 1 }] }, { token: buyer.token }), 503, 'CONTEXT_UNAVAILABLE');
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error).toHaveProperty('nats');
      expect((await api.get('/health/live')).status).toBe(200);
      // The processes keep running through the outage, and are never restarted by this test.
      const processes = Object.values(topology.processes);
      expect(processes.filter((p) => !p.running).map((p) => p.name)).toEqual([]);

      // The unpaid order's expiry is stored by ordering's sweep (every 2 s) with the broker gone.
      await eventually(
        () => storedStatusOf(expiresDuringOutage.body.id),
        (status) => status === 'CANCELLED',
        PAYMENT_TIMEOUT_SECONDS * 1000 + 30_000,
      );
      await nats.start();
      const backAt = Date.now();

      // Readiness must come back by itself, with no process restarted; gatewayReady fails the test if it does not.
      await gatewayReady(topology, processes, 30_000);

      // The cancellation happened during the outage; its release of the stock arrives through the broker now.
      const expired = (await api.get(`/orders/${expiresDuringOutage.body.id}`, { token: buyer.token })).body;
      expect(expired).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED' });
      const history = (await api.get(`/orders/${expiresDuringOutage.body.id}/history`, { token: buyer.token })).body as {
        type: string;
        version: number;
        occurredAt: string;
      }[];
      expect(history.map((entry) => [entry.type, entry.version])).toEqual([
        ['OrderPlaced', 1],
        ['OrderCancelled', 2],
      ]);
      expect(Date.parse(history[1].occurredAt)).toBeGreaterThan(downAt);
      expect(Date.parse(history[1].occurredAt)).toBeLessThan(backAt);
      await eventually(
        () => stockOf(api, product.id),
        (stock) => stock === 8,
        30_000,
      );

      // And the system takes new business as before.
      const after = await api.post('/orders', { items: [{ productId: product.id, quantity: 1 }] }, { token: buyer.token });
      expect(after.status).toBe(201);
      const payment = await api.post('/payments', { orderId: after.body.id, paymentMethod: 'pm_card_visa' }, { token: buyer.token });
      expect(payment.status).toBe(201);
      expect((await api.get(`/orders/${after.body.id}`, { token: buyer.token })).body.status).toBe('CONFIRMED');
      expect((await api.get(`/orders/${paidBefore.body.id}`, { token: buyer.token })).body.status).toBe('CONFIRMED');
      expect(await stockOf(api, product.id)).toBe(7);
      expect(processes.filter((p) => !p.running).map((p) => p.name)).toEqual([]);
    }, 120_000);
  });
});
