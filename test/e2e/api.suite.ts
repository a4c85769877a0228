import { randomUUID } from 'node:crypto';
import { Api } from '../harness/http';
import { craftToken, readClaims } from '../harness/tokens';
import { ALLOWED_ORIGIN, RunningTopology, TEST_ADMIN, TEST_JWT_SECRET } from '../harness/topologies';
import { expectOneProblem, expectProblem } from './expectations';
import { describeOrdersAndPayments } from './orders.suite';

/**
 * API.md black-box over HTTP: users, products and operations here, orders and payments in orders.suite.ts.
 * Every topology runs this same suite; only the environment differs.
 */
export function describeApi(start: () => Promise<RunningTopology>): void {
  let topology: RunningTopology;
  let api: Api;
  let adminToken: string;
  let customer: { id: string; email: string; token: string };

  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

  async function register(overrides: Partial<{ email: string; password: string; name: string }> = {}) {
    const body = { email: `${unique('user')}@example.com`, password: 'correct horse battery', name: 'Ada Lovelace', ...overrides };
    const response = await api.post('/auth/register', body);
    expect(response.status).toBe(201);
    return { user: response.body, password: body.password };
  }

  async function login(email: string, password: string): Promise<string> {
    const response = await api.post('/auth/login', { email, password });
    expect(response.status).toBe(200);
    return response.body.accessToken;
  }

  async function signedUpCustomer() {
    const { user, password } = await register();
    return { id: user.id as string, email: user.email as string, token: await login(user.email, password) };
  }

  async function createProduct(overrides: Record<string, unknown> = {}) {
    const response = await api.post(
      '/products',
      { sku: unique('SKU'), name: 'Espresso Cup', description: 'Porcelain, 90 ml', price: { amount: 1250, currency: 'USD' }, stock: 10, ...overrides },
      { token: adminToken },
    );
    expect(response.status).toBe(201);
    return response.body;
  }

  beforeAll(async () => {
    topology = await start();
    api = await new Api(topology.baseUrl).holdingToOpenApi();
    adminToken = await login(TEST_ADMIN.email, TEST_ADMIN.password);
    customer = await signedUpCustomer();
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  describe('registration and login', () => {
    it('registers a customer and answers the user without any password or hash', async () => {
      const email = `${unique('Grace')}@Example.COM`;
      const response = await api.post('/auth/register', { email, password: 'a long password', name: '  Grace Hopper ' });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: email.toLowerCase(),
        name: 'Grace Hopper',
        role: 'customer',
        status: 'active',
        createdAt: expect.any(String),
      });
      expect(new Date(response.body.createdAt).toISOString()).toBe(response.body.createdAt);
      expect(JSON.stringify(response.body)).not.toMatch(/password|hash/i);
    });

    it('refuses an email that is taken, whatever its case', async () => {
      const { user } = await register();
      expectProblem(await api.post('/auth/register', { email: user.email.toUpperCase(), password: 'another password', name: 'Copy' }), 409, 'EMAIL_TAKEN');
    });

    it('refuses fields a client may not set, like role', async () => {
      expectProblem(
        await api.post('/auth/register', { email: `${unique('r')}@example.com`, password: 'a long password', name: 'Eve', role: 'admin' }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('lists each field problem of an invalid registration', async () => {
      const response = await api.post('/auth/register', { email: 'not-an-email', password: 'short', name: '' });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      const fields = (response.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'name']));
    });

    it('refuses a password over 128 characters and a name over 100', async () => {
      expectProblem(
        await api.post('/auth/register', { email: `${unique('p')}@example.com`, password: 'x'.repeat(129), name: 'Long' }),
        400,
        'VALIDATION_FAILED',
      );
      expectProblem(
        await api.post('/auth/register', { email: `${unique('n')}@example.com`, password: 'long enough', name: 'n'.repeat(101) }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('answers 400 to malformed JSON and wrong types, never 500', async () => {
      expectProblem(await api.post('/auth/register', undefined, { raw: '{"email": "a@b.c", ' }), 400, expect.any(String) as unknown as string);
      expectProblem(await api.post('/auth/register', { email: 42, password: ['x'], name: {} }), 400, 'VALIDATION_FAILED');
      expectProblem(await api.post('/auth/register', undefined, { raw: '[]' }), 400, 'VALIDATION_FAILED');
    });

    it('answers 413 to a body over 1 MiB', async () => {
      const response = await api.postDeclaringLength('/auth/register', 1024 * 1024 + 10);
      expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('logs in with a bearer token that expires', async () => {
      const { user, password } = await register();
      const response = await api.post('/auth/login', { email: user.email.toUpperCase(), password });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: expect.any(Number) });
      const claims = readClaims(response.body.accessToken);
      expect(claims.sub).toBe(user.id);
      expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
      expect(JSON.stringify(claims)).not.toMatch(/password|hash/i);
    });

    it('answers the same 401 for a wrong password and an unknown email', async () => {
      const { user } = await register();
      const wrong = await api.post('/auth/login', { email: user.email, password: 'not the password' });
      const unknown = await api.post('/auth/login', { email: `${unique('ghost')}@example.com`, password: 'whatever it is' });
      expectProblem(wrong, 401, 'INVALID_CREDENTIALS');
      expectProblem(unknown, 401, 'INVALID_CREDENTIALS');
      expect(wrong.body.detail).toBe(unknown.body.detail);
    });
  });

  describe('tokens', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const claimsOf = (sub: string) => ({ sub, role: 'admin', iss: 'tessera', aud: 'tessera-api', iat: now(), exp: now() + 600 });

    it('refuses a missing or malformed Authorization header', async () => {
      expectProblem(await api.get('/users/me'), 401, 'UNAUTHORIZED');
      expectProblem(await api.get('/users/me', { headers: { authorization: 'Bearer not.a.token' } }), 401, 'UNAUTHORIZED');
      expectProblem(await api.get('/users/me', { headers: { authorization: `Basic ${customer.token}` } }), 401, 'UNAUTHORIZED');
    });

    it('refuses a token signed with another secret, an alg none token, and an expired one', async () => {
      expectProblem(await api.get('/users/me', { token: craftToken(claimsOf(customer.id), { secret: 'another secret entirely' }) }), 401, 'UNAUTHORIZED');
      expectProblem(await api.get('/users/me', { token: craftToken(claimsOf(customer.id), { alg: 'none' }) }), 401, 'UNAUTHORIZED');
      const expired = { ...claimsOf(customer.id), iat: now() - 7200, exp: now() - 3600 };
      expectProblem(await api.get('/users/me', { token: craftToken(expired, { secret: TEST_JWT_SECRET }) }), 401, 'UNAUTHORIZED');
    });

    it('refuses a well-signed token for another audience or issuer', async () => {
      expectProblem(
        await api.get('/users/me', { token: craftToken({ ...claimsOf(customer.id), aud: 'someone-else' }, { secret: TEST_JWT_SECRET }) }),
        401,
        'UNAUTHORIZED',
      );
      expectProblem(
        await api.get('/users/me', { token: craftToken({ ...claimsOf(customer.id), iss: 'mallory' }, { secret: TEST_JWT_SECRET }) }),
        401,
        'UNAUTHORIZED',
      );
    });

    it('does not trust a role claimed in the token beyond the user the server knows', async () => {
      const forged = craftToken(claimsOf(customer.id), { secret: TEST_JWT_SECRET });
      expectProblem(await api.get('/users', { token: forged }), 403, 'FORBIDDEN');
    });
  });

  describe('users', () => {
    it('shows the signed-in user', async () => {
      const response = await api.get('/users/me', { token: customer.token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: customer.id, email: customer.email, role: 'customer', status: 'active' });
    });

    it('changes the name and email of the signed-in user', async () => {
      const me = await signedUpCustomer();
      const email = `${unique('renamed')}@Example.com`;
      const response = await api.patch('/users/me', { name: 'Renamed', email }, { token: me.token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: me.id, name: 'Renamed', email: email.toLowerCase() });
      expect((await api.post('/auth/login', { email, password: 'correct horse battery' })).status).toBe(200);
    });

    it('refuses an email that another user has', async () => {
      const me = await signedUpCustomer();
      expectProblem(await api.patch('/users/me', { email: customer.email.toUpperCase() }, { token: me.token }), 409, 'EMAIL_TAKEN');
    });

    it('refuses fields a user may not change about themselves', async () => {
      expectProblem(await api.patch('/users/me', { role: 'admin' }, { token: customer.token }), 400, 'VALIDATION_FAILED');
      expectProblem(await api.patch('/users/me', { status: 'active' }, { token: customer.token }), 400, 'VALIDATION_FAILED');
    });

    it('shows a user to themselves and to an admin, and hides them from anyone else', async () => {
      const other = await signedUpCustomer();
      expect((await api.get(`/users/${customer.id}`, { token: customer.token })).status).toBe(200);
      expect((await api.get(`/users/${customer.id}`, { token: adminToken })).body).toMatchObject({ id: customer.id });
      const hidden = await api.get(`/users/${customer.id}`, { token: other.token });
      const unknown = await api.get(`/users/${randomUUID()}`, { token: adminToken });
      const malformed = await api.get('/users/not-a-uuid', { token: adminToken });
      expectProblem(hidden, 404, 'USER_NOT_FOUND');
      expectOneProblem(hidden, unknown, malformed);
    });

    it('lists users to admins only, a page at a time', async () => {
      expectProblem(await api.get('/users', { token: customer.token }), 403, 'FORBIDDEN');
      const page = await api.get('/users?page=1&limit=2', { token: adminToken });
      expect(page.status).toBe(200);
      expect(page.body).toEqual({ items: expect.any(Array), total: expect.any(Number), page: 1, limit: 2 });
      expect(page.body.items).toHaveLength(2);
      expect(page.body.total).toBeGreaterThanOrEqual(3);
      const second = await api.get('/users?page=2&limit=2', { token: adminToken });
      expect(second.body.items.map((u: { id: string }) => u.id)).not.toContain(page.body.items[0].id);
      expect((await api.get('/users', { token: adminToken })).body.limit).toBe(20);
    });

    it('refuses page and limit outside their ranges', async () => {
      for (const query of ['page=0', 'limit=0', 'limit=101', 'page=abc', 'limit=2.5']) {
        expectProblem(await api.get(`/users?${query}`, { token: adminToken }), 400, 'VALIDATION_FAILED');
      }
    });

    it('deactivates a user: their existing tokens and their login stop working at once', async () => {
      const { user, password } = await register();
      const token = await login(user.email, password);
      expect((await api.get('/users/me', { token })).status).toBe(200);
      expectProblem(await api.post(`/users/${user.id}/deactivate`, undefined, { token: customer.token }), 403, 'FORBIDDEN');
      const response = await api.post(`/users/${user.id}/deactivate`, undefined, { token: adminToken });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: user.id, status: 'inactive' });
      expectProblem(await api.get('/users/me', { token }), 401, 'UNAUTHORIZED');
      expectProblem(await api.post('/auth/login', { email: user.email, password }), 401, 'INVALID_CREDENTIALS');
      expectProblem(await api.post(`/users/${randomUUID()}/deactivate`, undefined, { token: adminToken }), 404, 'USER_NOT_FOUND');
    });

    it("refuses an admin's deactivation of their own account, which would leave the shop without its admin", async () => {
      const admin = (await api.get('/users/me', { token: adminToken })).body;

      expectProblem(await api.post(`/users/${admin.id}/deactivate`, undefined, { token: adminToken }), 403, 'FORBIDDEN');

      expect((await api.get('/users/me', { token: adminToken })).body).toMatchObject({ id: admin.id, status: 'active' });
      expect((await api.post('/auth/login', { email: TEST_ADMIN.email, password: TEST_ADMIN.password })).status).toBe(200);
    });
  });

  describe('products', () => {
    it('lists products to anyone, with the demo catalog on a fresh start', async () => {
      const response = await api.get('/products?limit=100');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ items: expect.any(Array), total: expect.any(Number), page: 1, limit: 100 });
      expect(response.body.total).toBeGreaterThanOrEqual(12);
      for (const product of response.body.items) {
        expect(product).toEqual({
          id: expect.any(String),
          sku: expect.any(String),
          name: expect.any(String),
          description: expect.any(String),
          price: { amount: expect.any(Number), currency: 'USD' },
          stock: expect.any(Number),
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        });
        expect(Number.isInteger(product.price.amount)).toBe(true);
      }
    });

    it('creates a product as an admin', async () => {
      const sku = unique('MUG');
      const response = await api.post('/products', { sku, name: 'Stoneware Mug', price: { amount: 1800, currency: 'USD' }, stock: 25 }, { token: adminToken });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ sku, name: 'Stoneware Mug', description: '', price: { amount: 1800, currency: 'USD' }, stock: 25 });
      expect((await api.get(`/products/${response.body.id}`)).body).toEqual(response.body);
    });

    it('lets only admins create products', async () => {
      const body = { sku: unique('X'), name: 'Nope', price: { amount: 100, currency: 'USD' }, stock: 1 };
      expectProblem(await api.post('/products', body), 401, 'UNAUTHORIZED');
      expectProblem(await api.post('/products', body, { token: customer.token }), 403, 'FORBIDDEN');
    });

    it('refuses a sku that exists', async () => {
      const product = await createProduct();
      expectProblem(
        await api.post('/products', { sku: product.sku.toLowerCase(), name: 'Copy', price: { amount: 1, currency: 'USD' }, stock: 1 }, { token: adminToken }),
        409,
        'SKU_TAKEN',
      );
    });

    it('refuses floats in money, negative stock and unknown fields', async () => {
      const base = { sku: unique('BAD'), name: 'Bad', price: { amount: 100, currency: 'USD' }, stock: 1 };
      for (const body of [
        { ...base, price: { amount: 12.5, currency: 'USD' } },
        { ...base, price: { amount: -1, currency: 'USD' } },
        { ...base, price: 1250 },
        { ...base, stock: -1 },
        { ...base, stock: 1.5 },
        { ...base, id: randomUUID() },
        { ...base, reserved: 3 },
      ]) {
        expectProblem(await api.post('/products', body, { token: adminToken }), 400, 'VALIDATION_FAILED');
      }
    });

    it('finds products by a case-insensitive substring of the name, taken literally', async () => {
      const tag = randomUUID().slice(0, 6);
      await createProduct({ name: `Linen Shirt ${tag}` });
      await createProduct({ name: `LINEN trousers ${tag}` });
      await createProduct({ name: `100% Wool ${tag}` });
      const linen = await api.get(`/products?q=${encodeURIComponent(`linen`)}&limit=100`);
      expect(linen.body.items.filter((p: { name: string }) => p.name.endsWith(tag))).toHaveLength(2);
      const percent = await api.get(`/products?q=${encodeURIComponent('%')}&limit=100`);
      expect(percent.body.items.length).toBeGreaterThanOrEqual(1);
      expect(percent.body.items.every((p: { name: string }) => p.name.includes('%'))).toBe(true);
      const underscore = await api.get(`/products?q=${encodeURIComponent('_')}`);
      expect(underscore.body.items.every((p: { name: string }) => p.name.includes('_'))).toBe(true);
    });

    it('answers 404 for a product that does not exist, and alike for an id that could not be one', async () => {
      const unknown = await api.get(`/products/${randomUUID()}`);
      expectProblem(unknown, 404, 'PRODUCT_NOT_FOUND');
      expectOneProblem(unknown, await api.get('/products/42'));
    });

    it('updates name, description and price as an admin, but never stock', async () => {
      const product = await createProduct();
      const response = await api.patch(
        `/products/${product.id}`,
        { name: 'Espresso Cup, blue', price: { amount: 1400, currency: 'USD' } },
        { token: adminToken },
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: product.id,
        name: 'Espresso Cup, blue',
        description: product.description,
        price: { amount: 1400, currency: 'USD' },
        stock: product.stock,
      });
      expectProblem(await api.patch(`/products/${product.id}`, { stock: 999 }, { token: adminToken }), 400, 'VALIDATION_FAILED');
      expectProblem(await api.patch(`/products/${product.id}`, { name: 'Mine now' }, { token: customer.token }), 403, 'FORBIDDEN');
      expectProblem(await api.patch(`/products/${randomUUID()}`, { name: 'Ghost' }, { token: adminToken }), 404, 'PRODUCT_NOT_FOUND');
    });

    it('adjusts stock, never below zero', async () => {
      const product = await createProduct({ stock: 3 });
      const received = await api.post(`/products/${product.id}/stock-adjustments`, { delta: 5 }, { token: adminToken });
      expect(received.status).toBe(200);
      expect(received.body.stock).toBe(8);
      expectProblem(await api.post(`/products/${product.id}/stock-adjustments`, { delta: -9 }, { token: adminToken }), 409, 'INSUFFICIENT_STOCK');
      expect((await api.get(`/products/${product.id}`)).body.stock).toBe(8);
      expect((await api.post(`/products/${product.id}/stock-adjustments`, { delta: -8 }, { token: adminToken })).body.stock).toBe(0);
      expectProblem(await api.post(`/products/${product.id}/stock-adjustments`, { delta: 0 }, { token: adminToken }), 400, 'VALIDATION_FAILED');
      expectProblem(await api.post(`/products/${product.id}/stock-adjustments`, { delta: 1 }, { token: customer.token }), 403, 'FORBIDDEN');
    });

    it('never loses or oversells a unit under concurrent adjustments', async () => {
      const product = await createProduct({ stock: 10 });
      const attempts = await Promise.all(
        Array.from({ length: 16 }, () => api.post(`/products/${product.id}/stock-adjustments`, { delta: -1 }, { token: adminToken })),
      );
      const statuses = attempts.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 409)).toHaveLength(6);
      expect((await api.get(`/products/${product.id}`)).body.stock).toBe(0);
    });
  });

  describe('operations and HTTP hygiene', () => {
    it('reports liveness, readiness and the contexts it reaches', async () => {
      expect(await api.get('/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
      const reached = await api.get('/health/contexts');
      expect(reached.status).toBe(200);
      expect(reached.body.contexts).toMatchObject({ users: { status: 'up' }, catalog: { status: 'up' } });
      expect(reached.body.contexts.users.latencyMs).toEqual(expect.any(Number));
    });

    it('serves the OpenAPI document and Swagger UI', async () => {
      const doc = await api.get('/docs-json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining([
          '/auth/register',
          '/auth/login',
          '/users/me',
          '/users/{id}',
          '/users',
          '/users/{id}/deactivate',
          '/products',
          '/products/{id}',
          '/products/{id}/stock-adjustments',
          '/health/live',
          '/health/ready',
          '/health/contexts',
        ]),
      );
      const ui = await api.get('/docs');
      expect(ui.status).toBe(200);
      expect(ui.body).toMatch(/swagger/i);
    });

    it('answers unknown routes and methods with a problem, not a stack', async () => {
      expectProblem(await api.get('/nowhere'), 404, 'NOT_FOUND');
      const wrongMethod = await api.request('DELETE', '/products', undefined);
      expect([404, 405]).toContain(wrongMethod.status);
      expect(wrongMethod.headers.get('content-type')).toMatch(/problem\+json/);
    });

    it('sends security headers and allows cross-origin calls only from the allowlist', async () => {
      const allowed = await api.get('/products', { headers: { origin: ALLOWED_ORIGIN } });
      expect(allowed.headers.get('x-content-type-options')).toBe('nosniff');
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      const other = await api.get('/products', { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describeOrdersAndPayments(
    () => api,
    () => adminToken,
  );
}
