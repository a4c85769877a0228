import { randomBytes, randomUUID } from 'node:crypto';
import { untilPasses } from '../harness/eventually';
import { Api, RequestOptions } from '../harness/http';
import { metricsOf, sample } from '../harness/metrics';
import Redis from 'ioredis';
import { connected, PrivateRedisServer, TEST_REDIS_URL } from '../harness/redis';
import { TcpProxy } from '../harness/tcp-proxy';
import { describeWith, RunningTopology, startMonolith, startSplit, TEST_ADMIN } from '../harness/topologies';
import { testNamespace } from '../harness/brokers';

/**
 * What gateway replicas agree on through Redis (REDIS_URL): rate-limit
 * counters and the caches of user statuses and products. Each test is a
 * client of its own, told apart by the address a trusted proxy forwards, so
 * that the budgets of one test do not spend another's.
 */
const RATE_LIMIT = 20;
const LOGIN_RATE_LIMIT = 5;
const LIMITS = { RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT), LOGIN_RATE_LIMIT_PER_MINUTE: String(LOGIN_RATE_LIMIT), TRUST_PROXY: '127.0.0.1' };

/** A client address of its own: a request option to add to every request it makes. */
function newClient(): RequestOptions & { headers: Record<string, string> } {
  const [a, b] = randomBytes(2);
  return { headers: { 'x-forwarded-for': `10.${a}.${b}.${1 + (a % 250)}` } };
}

/** Far below the status cache's 60 s, so a refusal within it comes from the event; the goal is 1 s, this leaves room for a busy machine. */
const EVENT_DEADLINE_MS = 20_000;

const describeRedis = describeWith(['redis']);

describeRedis('two gateway processes sharing Redis', () => {
  let topology: RunningTopology;
  let gateways: [Api, Api];

  beforeAll(async () => {
    const shared = { REDIS_URL: TEST_REDIS_URL };
    // A third gateway without Redis stands for a change made where the two cannot see it: only the events tell them.
    topology = await startSplit('embedded', 'tcp', {
      gateways: 3,
      env: { ...LIMITS, MESSAGING_NAMESPACE: testNamespace('shared-state') },
      processEnv: { gateway: shared, 'gateway-2': shared },
    });
    gateways = [new Api(`http://127.0.0.1:${topology.processes.gateway.port}`), new Api(`http://127.0.0.1:${topology.processes['gateway-2'].port}`)];
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  /** An admin's token, taken as a client of its own. */
  async function adminToken(): Promise<string> {
    return (await gateways[0].post('/auth/login', TEST_ADMIN, newClient())).body.accessToken;
  }

  it('answers 429 to a client alternating between the gateways after exactly the limit in total', async () => {
    const client = newClient();
    const statuses: number[] = [];
    for (let request = 0; request <= RATE_LIMIT; request++) statuses.push((await gateways[request % 2].get('/products', client)).status);

    expect(statuses.slice(0, RATE_LIMIT)).toEqual(Array(RATE_LIMIT).fill(200));
    expect(statuses[RATE_LIMIT]).toBe(429);
    const refused = await gateways[0].get('/products', client);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.code).toBe('RATE_LIMITED');
    // Another client's budget is its own.
    expect((await gateways[1].get('/products', newClient())).status).toBe(200);
  });

  it('holds the login limit per address across both gateways', async () => {
    const client = newClient();
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= LOGIN_RATE_LIMIT; attempt++) {
      statuses.push((await gateways[attempt % 2].post('/auth/login', { email: 'nobody@example.com', password: 'not the password' }, client)).status);
    }
    expect(statuses).toEqual([...Array(LOGIN_RATE_LIMIT).fill(401), 429]);
  });

  it('reads a product renamed through one gateway with its new name through the other right after the 200', async () => {
    const admin = await adminToken();
    const client = newClient();
    const sku = `SHR-${randomUUID().slice(0, 8)}`;
    const created = await gateways[0].post(
      '/products',
      { sku, name: 'Before', price: { amount: 900, currency: 'USD' }, stock: 5 },
      { ...client, token: admin },
    );
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // Both gateways have read it, so the cached copy is the old one.
    expect((await gateways[0].get(`/products/${id}`, client)).body.name).toBe('Before');
    expect((await gateways[1].get(`/products/${id}`, client)).body.name).toBe('Before');

    expect((await gateways[0].patch(`/products/${id}`, { name: 'After' }, { ...client, token: admin })).status).toBe(200);
    expect((await gateways[1].get(`/products/${id}`, client)).body.name).toBe('After');

    expect((await gateways[1].post(`/products/${id}/stock-adjustments`, { delta: 3 }, { ...client, token: admin })).body.stock).toBe(8);
    expect((await gateways[0].get(`/products/${id}`, client)).body.stock).toBe(8);
  });

  it('shows at the other gateway the stock an order took and gave back, right after each answer', async () => {
    const admin = await adminToken();
    const client = newClient();
    const product = await gateways[0].post(
      '/products',
      { sku: `SHR-${randomUUID().slice(0, 8)}`, name: 'Held', price: { amount: 500, currency: 'USD' }, stock: 4 },
      { ...client, token: admin },
    );
    const id = product.body.id as string;
    expect((await gateways[1].get(`/products/${id}`, client)).body.stock).toBe(4);

    const email = `${randomUUID()}@example.com`;
    expect((await gateways[0].post('/auth/register', { email, password: 'a long password', name: 'Buyer' }, client)).status).toBe(201);
    const token = (await gateways[0].post('/auth/login', { email, password: 'a long password' }, client)).body.accessToken;
    const order = await gateways[0].post('/orders', { items: [{ productId: id, quantity: 3 }] }, { ...client, token });
    expect(order.status).toBe(201);
    expect((await gateways[1].get(`/products/${id}`, client)).body.stock).toBe(1);

    expect((await gateways[0].post(`/orders/${order.body.id}/cancel`, undefined, { ...client, token })).status).toBe(200);
    expect((await gateways[1].get(`/products/${id}`, client)).body.stock).toBe(4);
  });

  it('refuses at the second gateway, right after the 200, the token of a user deactivated through the first', async () => {
    const client = newClient();
    const email = `${randomUUID()}@example.com`;
    const registered = await gateways[0].post('/auth/register', { email, password: 'a long password', name: 'Soon Gone' }, client);
    const token = (await gateways[0].post('/auth/login', { email, password: 'a long password' }, client)).body.accessToken;
    expect((await gateways[1].get('/users/me', { ...client, token })).status).toBe(200);

    expect((await gateways[0].post(`/users/${registered.body.id}/deactivate`, undefined, { ...client, token: await adminToken() })).status).toBe(200);
    expect((await gateways[1].get('/users/me', { ...client, token })).status).toBe(401);
  });

  it("refuses the token of a user deactivated elsewhere once the event arrives, long before the cached status's 60 s", async () => {
    const client = newClient();
    const elsewhere = new Api(`http://127.0.0.1:${topology.processes['gateway-3'].port}`);
    const email = `${randomUUID()}@example.com`;
    const registered = await gateways[0].post('/auth/register', { email, password: 'a long password', name: 'Gone Elsewhere' }, client);
    const token = (await gateways[0].post('/auth/login', { email, password: 'a long password' }, client)).body.accessToken;
    expect((await gateways[1].get('/users/me', { ...client, token })).status).toBe(200);

    expect((await elsewhere.post(`/users/${registered.body.id}/deactivate`, undefined, { ...client, token: await adminToken() })).status).toBe(200);
    await untilPasses(async () => expect((await gateways[1].get('/users/me', { ...client, token })).status).toBe(401), EVENT_DEADLINE_MS, 50);
    expect((await gateways[0].get('/users/me', { ...client, token })).status).toBe(401);
  });

  it('shows Redis in each gateway /health/contexts, and reports the limits enforced', async () => {
    for (const process of [topology.processes.gateway, topology.processes['gateway-2']]) {
      const reached = await fetch(`http://127.0.0.1:${process.port}/health/contexts`);
      expect(reached.status).toBe(200);
      expect(((await reached.json()) as { redis: unknown }).redis).toEqual({ status: 'up' });
      expect(sample(await metricsOf(process.port), 'rate_limit_enforced')).toBe(1);
    }
  });
});

describeRedis('a monolith whose Redis stops', () => {
  let redis: PrivateRedisServer;
  let topology: RunningTopology;
  let api: Api;

  beforeAll(async () => {
    redis = await PrivateRedisServer.start('shared-state-outage');
    topology = await startMonolith('embedded', { ...LIMITS, RATE_LIMIT_PER_MINUTE: '3', REDIS_URL: redis.url });
    api = await new Api(topology.baseUrl).holdingToOpenApi();
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
    await redis?.stop();
  }, 30_000);

  it('lets requests through, unlimited, says so in rate_limit_enforced and /health/contexts, stays ready, and limits again once Redis is back', async () => {
    const client = newClient();
    const port = topology.processes.monolith.port;
    for (let request = 0; request < 3; request++) expect((await api.get('/products', client)).status).toBe(200);
    expect((await api.get('/products', client)).status).toBe(429);

    await redis.stop();
    for (let request = 0; request < 5; request++) expect((await api.get('/products', client)).status).toBe(200);
    const metrics = await metricsOf(port);
    expect(sample(metrics, 'rate_limit_enforced')).toBe(0);
    expect(sample(metrics, 'rate_limit_unenforced_total')).toBeGreaterThanOrEqual(5);
    // Redis is shared by every replica and failed open: readiness without it would take every replica out at once.
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    const reached = await fetch(`http://127.0.0.1:${port}/health/contexts`);
    expect(((await reached.json()) as { redis: { status: string } }).redis.status).toBe('down');

    // Caches are bypassed meanwhile: reads still answer, from the contexts.
    const admin = (await api.post('/auth/login', TEST_ADMIN, newClient())).body.accessToken;
    const product = await api.post(
      '/products',
      { sku: `OUT-${randomUUID().slice(0, 8)}`, name: 'Out', price: { amount: 100, currency: 'USD' }, stock: 1 },
      { ...newClient(), token: admin },
    );
    expect(product.status).toBe(201);
    expect((await api.get(`/products/${product.body.id}`, newClient())).status).toBe(200);
    expect((await api.get('/users/me', { ...newClient(), token: admin })).status).toBe(200);

    await redis.start();
    await untilPasses(
      async () => expect(((await (await fetch(`http://127.0.0.1:${port}/health/contexts`)).json()) as { redis: { status: string } }).redis.status).toBe('up'),
      20_000,
      200,
    );
    const fresh = newClient();
    for (let request = 0; request < 3; request++) expect((await api.get('/products', fresh)).status).toBe(200);
    expect((await api.get('/products', fresh)).status).toBe(429);
    expect(sample(await metricsOf(port), 'rate_limit_enforced')).toBe(1);
  });
});

// A managed Redis fails over by making a replica the primary and moving its address (a DNS name, a cloud endpoint)
// there; the former primary, a replica now, refuses every write on the connections still open to it.
describeRedis('a monolith whose Redis fails over', () => {
  let former: PrivateRedisServer;
  let promoted: PrivateRedisServer;
  let address: TcpProxy;
  let topology: RunningTopology;
  let api: Api;

  beforeAll(async () => {
    [former, promoted] = await Promise.all([
      PrivateRedisServer.start('shared-state-failover-former'),
      PrivateRedisServer.start('shared-state-failover-promoted'),
    ]);
    address = await TcpProxy.to(former.url);
    topology = await startMonolith('embedded', { ...LIMITS, RATE_LIMIT_PER_MINUTE: '3', REDIS_URL: address.urlThrough(former.url) });
    api = await new Api(topology.baseUrl).holdingToOpenApi();
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
    await address?.cut();
    await Promise.all([former?.stop(), promoted?.stop()]);
  }, 30_000);

  it('lets requests through and says redis down while its Redis is a replica, and limits again once the address leads to the new primary', async () => {
    const port = topology.processes.monolith.port;
    const redisStatus = async () => ((await (await fetch(`http://127.0.0.1:${port}/health/contexts`)).json()) as { redis: { status: string } }).redis.status;
    expect(await redisStatus()).toBe('up');

    const admin = await connected(new Redis(former.url));
    try {
      await admin.replicaof('127.0.0.1', promoted.port);
    } finally {
      admin.disconnect();
    }
    const client = newClient();
    for (let request = 0; request < 5; request++) expect((await api.get('/products', client)).status).toBe(200);
    expect(sample(await metricsOf(port), 'rate_limit_enforced')).toBe(0);
    // It answers PING, and refuses every counter.
    expect(await redisStatus()).toBe('down');
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);

    address.moveTo(promoted.url);
    await untilPasses(async () => expect(await redisStatus()).toBe('up'), 20_000, 200);
    const fresh = newClient();
    for (let request = 0; request < 3; request++) expect((await api.get('/products', fresh)).status).toBe(200);
    expect((await api.get('/products', fresh)).status).toBe(429);
    expect(sample(await metricsOf(port), 'rate_limit_enforced')).toBe(1);
  }, 90_000);
});
