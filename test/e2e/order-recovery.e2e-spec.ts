import { randomUUID } from 'node:crypto';
import { Api } from '../harness/http';
import { AppProcess, freePort, waitForStatus } from '../harness/processes';
import { createTestDatabase } from '../harness/postgres';
import { RunningTopology, startTcpSplit, TEST_ADMIN } from '../harness/topologies';
import { describeWith } from '../harness/services';

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

async function shopper(api: Api) {
  const email = `${randomUUID().slice(0, 8)}@example.com`;
  expect((await api.post('/auth/register', { email, password: 'a long password', name: 'Shopper' })).status).toBe(201);
  return (await api.post('/auth/login', { email, password: 'a long password' })).body.accessToken as string;
}

async function product(api: Api, adminToken: string, stock: number) {
  const response = await api.post(
    '/products',
    { sku: `REC-${randomUUID().slice(0, 8)}`, name: 'Recovery widget', price: { amount: 700, currency: 'USD' }, stock },
    { token: adminToken },
  );
  expect(response.status).toBe(201);
  return response.body.id as string;
}

describe('an order cancelled while the catalog process is down', () => {
  let topology: RunningTopology;

  beforeAll(async () => {
    topology = await startTcpSplit('embedded', { onDisk: true });
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  it('is cancelled at once, and its stock comes back when the catalog does, even though ordering was killed before it could publish', async () => {
    const api = await new Api(topology.baseUrl).holdingToOpenApi();
    const adminToken = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken;
    const token = await shopper(api);
    const productId = await product(api, adminToken, 5);
    const order = await api.post('/orders', { items: [{ productId, quantity: 3 }] }, { token });
    expect(order.status).toBe(201);

    await topology.processes.catalog.stop();
    const cancelled = await api.post(`/orders/${order.body.id}/cancel`, undefined, { token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');

    // The cancellation's event is committed in ordering's outbox but could not be delivered. Kill ordering
    // outright, bring catalog back while ordering is down, then ordering: its relay must publish what it owed.
    await topology.processes.ordering.stop('SIGKILL');
    topology.processes.catalog = topology.processes.catalog.restart();
    const whileOrderingIsDown = await eventually(
      () => api.get(`/products/${productId}`),
      (response) => response.status === 200,
    );
    expect(whileOrderingIsDown.body.stock).toBe(2);
    topology.processes.ordering = topology.processes.ordering.restart();
    const restored = await eventually(
      async () => (await api.get(`/products/${productId}`)).body?.stock,
      (stock) => stock === 5,
      30_000,
    );
    expect(restored).toBe(5);
  }, 60_000);
});

describeWith(['postgres'])('two monoliths on one Postgres, each running the expiry sweeper', () => {
  const processes: AppProcess[] = [];
  let drop: () => Promise<void>;
  let ports: number[];

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    ports = [await freePort(), await freePort()];
    const env = {
      DATABASE_URL: database.url,
      ORDER_PAYMENT_TIMEOUT_SECONDS: '2',
      JWT_SECRET: 'e2e-secret-that-is-long-enough-for-hs256',
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      RATE_LIMIT_PER_MINUTE: '100000',
      LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    };
    for (const [i, port] of ports.entries()) {
      processes.push(AppProcess.start('monolith', `two-sweepers-${i}`, { ...env, PORT: String(port) }));
      await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, processes);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await drop?.();
  }, 30_000);

  it('expires each unpaid order once and returns its stock once', async () => {
    const api = new Api(`http://127.0.0.1:${ports[0]}`);
    const other = new Api(`http://127.0.0.1:${ports[1]}`);
    const adminToken = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken;
    const token = await shopper(api);
    const productId = await product(api, adminToken, 10);
    const orders = await Promise.all(Array.from({ length: 4 }, () => api.post('/orders', { items: [{ productId, quantity: 2 }] }, { token })));
    expect(orders.map((o) => o.status)).toEqual([201, 201, 201, 201]);
    expect((await other.get(`/products/${productId}`)).body.stock).toBe(2);

    for (const order of orders) {
      const read = await eventually(
        async () => (await other.get(`/orders/${order.body.id}`, { token })).body,
        (body) => body.status === 'CANCELLED',
      );
      expect(read).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_EXPIRED' });
      const history = (await api.get(`/orders/${order.body.id}/history`, { token })).body as { version: number }[];
      expect(history.map((entry) => entry.version)).toEqual([1, 2]);
    }
    const stock = await eventually(
      async () => (await other.get(`/products/${productId}`)).body.stock,
      (value) => value === 10,
    );
    expect(stock).toBe(10);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await api.get(`/products/${productId}`)).body.stock).toBe(10);
  }, 60_000);
});
