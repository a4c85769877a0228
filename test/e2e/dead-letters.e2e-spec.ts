import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Api } from '../harness/http';
import { metricsOf, sample } from '../harness/metrics';
import { createTestDatabase } from '../harness/postgres';
import { describeWith, RunningTopology, startMonolith, TEST_ADMIN } from '../harness/topologies';
import { eventually, expectProblem } from './expectations';

// A dead letter is what a handler that kept failing leaves; the contract suite makes real ones on every transport. Here
// one is written straight into catalog's table, as if catalog had failed ordering.order.cancelled eight times, so that
// an operator's routes can be driven end to end: see it, replay it (catalog then releases the stock), discard another.
describeWith(['postgres'])('dead letters, seen and redriven by an operator over HTTP', () => {
  let topology: RunningTopology;
  let catalogDb: { url: string; drop: () => Promise<void> };
  let api: Api;
  let admin: string;

  beforeAll(async () => {
    catalogDb = await createTestDatabase();
    topology = await startMonolith('postgres', { CATALOG_DATABASE_URL: catalogDb.url });
    api = await new Api(topology.baseUrl).holdingToOpenApi();
    admin = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken;
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
    await catalogDb?.drop();
  }, 30_000);

  async function deadLetterOf(pattern: string, payload: Record<string, unknown>): Promise<string> {
    const client = new Client({ connectionString: catalogDb.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `INSERT INTO catalog.dead_letters (event_id, consumer, pattern, payload, attempts, last_error, dead)
         VALUES ($1, 'catalog', $2, $3, 8, 'Error: the database went away', true) RETURNING id`,
        [payload.eventId, pattern, JSON.stringify(payload)],
      );
      return rows[0].id;
    } finally {
      await client.end();
    }
  }

  async function customer(): Promise<string> {
    const email = `dl-${randomUUID().slice(0, 8)}@example.com`;
    expect((await api.post('/auth/register', { email, password: 'correct horse battery', name: 'Dee' })).status).toBe(201);
    return (await api.post('/auth/login', { email, password: 'correct horse battery' })).body.accessToken;
  }

  it('lists a dead letter to an admin only, with what an operator needs, and narrows by context and pattern', async () => {
    const eventId = randomUUID();
    const id = await deadLetterOf('ordering.order.cancelled', {
      eventId,
      orderId: randomUUID(),
      reason: 'CANCELLED_BY_CUSTOMER',
      occurredAt: new Date().toISOString(),
    });

    expectProblem(await api.get('/admin/dead-letters', { token: await customer() }), 403, 'FORBIDDEN');
    const listed = await api.get('/admin/dead-letters?limit=100', { token: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toContainEqual({
      id,
      context: 'catalog',
      consumer: 'catalog',
      pattern: 'ordering.order.cancelled',
      eventId,
      attempts: 8,
      lastError: 'Error: the database went away',
      firstFailedAt: expect.any(String),
      lastFailedAt: expect.any(String),
      payload: expect.objectContaining({ eventId }),
    });
    expect(
      (await api.get('/admin/dead-letters?context=catalog&pattern=ordering.order.cancelled', { token: admin })).body.items.map(
        (item: { id: string }) => item.id,
      ),
    ).toContain(id);
    expect((await api.get('/admin/dead-letters?context=payments', { token: admin })).body).toMatchObject({ items: [], total: 0 });
    expect((await api.get('/admin/dead-letters?pattern=catalog.no.such', { token: admin })).body).toMatchObject({ items: [], total: 0 });
    expectProblem(await api.get('/admin/dead-letters?context=shipping', { token: admin }), 400, 'VALIDATION_FAILED');
  });

  it('counts the dead letters each context keeps in the dead_letters gauge of GET /metrics', async () => {
    const port = topology.processes.monolith.port;
    const before = sample(await metricsOf(port), 'dead_letters', { context: 'catalog' });
    expect(before).toEqual(expect.any(Number));
    await deadLetterOf('ordering.order.cancelled', {
      eventId: randomUUID(),
      orderId: randomUUID(),
      reason: 'CANCELLED_BY_CUSTOMER',
      occurredAt: new Date().toISOString(),
    });
    const after = await metricsOf(port);
    expect(sample(after, 'dead_letters', { context: 'catalog' })).toBe(before! + 1);
    expect(sample(after, 'dead_letters', { context: 'ordering' })).toBe(0);
  });

  it('replays a dead letter to the consumer that failed it, which then processes it once', async () => {
    const buyer = await customer();
    const product = await api.post(
      '/products',
      { sku: `DL-${randomUUID().slice(0, 8)}`, name: 'Lamp', price: { amount: 4200, currency: 'USD' }, stock: 10 },
      { token: admin },
    );
    const order = await api.post('/orders', { items: [{ productId: product.body.id, quantity: 3 }] }, { token: buyer });
    expect(order.status).toBe(201);
    expect((await api.get(`/products/${product.body.id}`)).body.stock).toBe(7);
    // As if the order's cancellation had reached catalog and failed every time: its stock is still held.
    const id = await deadLetterOf('ordering.order.cancelled', {
      eventId: randomUUID(),
      orderId: order.body.id,
      reason: 'CANCELLED_BY_CUSTOMER',
      occurredAt: new Date().toISOString(),
    });

    const replayed = await api.post(`/admin/dead-letters/${id}/replay`, undefined, { token: admin });
    expect([replayed.status, replayed.body]).toEqual([202, { id, status: 'REPLAYED' }]);

    await eventually(
      async () => (await api.get(`/products/${product.body.id}`)).body.stock,
      (stock) => stock === 10,
      20_000,
    );
    expect((await api.get('/admin/dead-letters?limit=100', { token: admin })).body.items.map((item: { id: string }) => item.id)).not.toContain(id);
    expectProblem(await api.post(`/admin/dead-letters/${id}/replay`, undefined, { token: admin }), 404, 'DEAD_LETTER_NOT_FOUND');
  });

  it('discards a dead letter for good', async () => {
    const id = await deadLetterOf('ordering.order.confirmed', {
      eventId: randomUUID(),
      orderId: randomUUID(),
      paymentId: randomUUID(),
      occurredAt: new Date().toISOString(),
    });

    expect((await api.request('DELETE', `/admin/dead-letters/${id}`, undefined, { token: admin })).status).toBe(204);

    expect((await api.get('/admin/dead-letters?limit=100', { token: admin })).body.items.map((item: { id: string }) => item.id)).not.toContain(id);
    expectProblem(await api.request('DELETE', `/admin/dead-letters/${id}`, undefined, { token: admin }), 404, 'DEAD_LETTER_NOT_FOUND');
    expectProblem(await api.request('DELETE', '/admin/dead-letters/not-a-uuid', undefined, { token: admin }), 404, 'DEAD_LETTER_NOT_FOUND');
  });
});
