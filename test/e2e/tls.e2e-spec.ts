import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { PrivateNatsServer } from '../harness/nats-server';
import { AppProcess, freePort } from '../harness/processes';
import { PrivateRedisServer } from '../harness/redis';
import { TestCertificates, testCertificates } from '../harness/test-certificates';
import { describeWith, RunningTopology, startSplit, TEST_ADMIN, TEST_JWT_SECRET } from '../harness/topologies';

/**
 * The NATS split on a broker and a Redis that take TLS only, with
 * certificates of a private authority, as a deployment on managed services
 * has them: a `tls://` NATS_URL, a `rediss://` REDIS_URL, and the authority
 * trusted through Node's own NODE_EXTRA_CA_CERTS. Nothing of Tessera's
 * configuration is about TLS; a process that does not trust the authority
 * refuses to start, saying what to set.
 */
describeWith(['nats'])('the NATS split over TLS, with Redis over TLS', () => {
  let certificates: TestCertificates;
  let nats: PrivateNatsServer;
  let redis: PrivateRedisServer;
  let topology: RunningTopology;
  let api: Api;

  beforeAll(async () => {
    certificates = await testCertificates();
    nats = await PrivateNatsServer.start('tls', undefined, certificates);
    redis = await PrivateRedisServer.start('tls', certificates);
    topology = await startSplit('embedded', 'nats', {
      env: { NATS_URL: nats.url, REDIS_URL: redis.url, NODE_EXTRA_CA_CERTS: certificates.caFile },
    });
    api = new Api(topology.baseUrl);
  }, 180_000);

  afterAll(async () => {
    await topology?.stop();
    await nats?.remove();
    await redis?.stop();
    certificates?.remove();
  }, 60_000);

  it('places, pays and cancels an order, the refund carried by an event through JetStream over TLS, and reaches Redis over TLS', async () => {
    const admin = await api.post('/auth/login', TEST_ADMIN);
    const product = await api.post(
      '/products',
      { sku: `TLS-${Date.now()}`, name: 'Sealed Envelope', price: { amount: 300, currency: 'USD' }, stock: 4 },
      { token: admin.body.accessToken },
    );
    expect(product.status).toBe(201);
    const customer = { email: `tls-${Date.now()}@example.com`, password: 'correct horse battery' };
    expect((await api.post('/auth/register', { ...customer, name: 'Tilly' })).status).toBe(201);
    const token = (await api.post('/auth/login', customer)).body.accessToken as string;

    const order = await api.post('/orders', { items: [{ productId: product.body.id, quantity: 3 }] }, { token });
    expect(order.status).toBe(201);
    const payment = await api.post('/payments', { orderId: order.body.id, paymentMethod: 'pm_card_visa' }, { token });
    expect(payment).toMatchObject({ status: 201, body: { status: 'SUCCEEDED' } });
    expect((await api.get(`/orders/${order.body.id}`, { token })).body.status).toBe('CONFIRMED');
    expect((await api.get(`/products/${product.body.id}`)).body.stock).toBe(1);

    // Payments refunds a cancelled paid order on ordering's event, not on a request.
    expect((await api.post(`/orders/${order.body.id}/cancel`, undefined, { token })).body.status).toBe('CANCELLED');
    await untilPasses(async () => expect((await api.get(`/payments/${payment.body.id}`, { token })).body.status).toBe('REFUNDED'), 30_000, 200);
    await untilPasses(async () => expect((await api.get(`/products/${product.body.id}`)).body.stock).toBe(4), 30_000, 200);

    expect((await api.get('/health/contexts')).body).toMatchObject({
      contexts: { users: { status: 'up' }, catalog: { status: 'up' }, ordering: { status: 'up' }, payments: { status: 'up' } },
      redis: { status: 'up' },
    });
  }, 90_000);

  it('refuses to start a process that does not trust the authority, at once, saying to set NODE_EXTRA_CA_CERTS', async () => {
    const users = AppProcess.start('users', 'tls-untrusting-users', {
      TRANSPORT: 'nats',
      NATS_URL: nats.url,
      EMBEDDED_DB_DIR: 'memory',
      PORT: String(await freePort()),
      JWT_SECRET: TEST_JWT_SECRET,
    });
    try {
      expect(await users.exitCode()).toBe(69);
      expect(users.output()).toContain(
        `NATS at ${nats.url} presented a certificate signed by an authority this process does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE): set NODE_EXTRA_CA_CERTS to the PEM file of that authority`,
      );
    } finally {
      await users.stop();
    }
  }, 60_000);
});
