import { Global, INestApplication, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CATALOG_PATTERNS, USERS_EVENTS, USERS_PATTERNS } from '@tessera/contracts';
import type { ContextName, CreateProductRequest, Page, PageRequest, ProductView, UserView } from '@tessera/contracts';
import { ContextClient, contextClientToken, IntegrationEventPublisher, MessagesController, MessagingModule, startContextServers } from '@tessera/messaging';
import { createRootLogger, HealthModule } from '@tessera/platform';
import { DomainError } from '@tessera/shared-kernel';
import { randomUUID } from 'node:crypto';
import { configureHttpApp, createFastifyAdapter, GATEWAY_REACHED_CONTEXTS, GatewayModule } from './index';

// @fastify/static (Swagger UI's assets) requires content-disposition 3, an ES module, which Jest cannot
// require before Node 24.9. Only its `create` is loaded, to build download headers these tests never ask for.
jest.mock('content-disposition', () => ({ create: () => () => 'attachment' }));

// Small stand-ins for the users and catalog contexts, served over the real in-process transport,
// so that these tests cross the same boundary (serialization, RemoteError) as the monolith does.

interface StoredUser extends UserView {
  password: string;
}

@MessagesController()
class FakeUsersMessagesController {
  static readonly users = new Map<string, StoredUser>();

  constructor(private readonly events: IntegrationEventPublisher) {}

  static view({ password: _password, ...view }: StoredUser): UserView {
    return view;
  }

  static add(email: string, password: string, role: 'customer' | 'admin' = 'customer'): StoredUser {
    const user: StoredUser = { id: randomUUID(), email, name: email.split('@')[0], role, status: 'active', createdAt: new Date().toISOString(), password };
    FakeUsersMessagesController.users.set(user.id, user);
    return user;
  }

  private find(userId: string): StoredUser {
    const user = FakeUsersMessagesController.users.get(userId);
    if (!user) throw new DomainError('USER_NOT_FOUND', 'No such user');
    return user;
  }

  @MessagePattern(USERS_PATTERNS.REGISTER_USER)
  register(@Payload() request: { email: string; password: string; name: string }): UserView {
    const taken = [...FakeUsersMessagesController.users.values()].some((u) => u.email.toLowerCase() === request.email.toLowerCase());
    if (taken) throw new DomainError('EMAIL_TAKEN', 'That email is registered already');
    const user = FakeUsersMessagesController.add(request.email, request.password);
    user.name = request.name;
    return FakeUsersMessagesController.view(user);
  }

  @MessagePattern(USERS_PATTERNS.VERIFY_CREDENTIALS)
  verify(@Payload() request: { email: string; password: string }): UserView {
    const user = [...FakeUsersMessagesController.users.values()].find((u) => u.email === request.email);
    if (!user || user.password !== request.password || user.status !== 'active') throw new DomainError('INVALID_CREDENTIALS', 'Wrong email or password');
    return FakeUsersMessagesController.view(user);
  }

  @MessagePattern(USERS_PATTERNS.GET_USER)
  get(@Payload() request: { userId: string }): UserView {
    return FakeUsersMessagesController.view(this.find(request.userId));
  }

  @MessagePattern(USERS_PATTERNS.LIST_USERS)
  list(@Payload() request: PageRequest): Page<UserView> {
    const all = [...FakeUsersMessagesController.users.values()].map(FakeUsersMessagesController.view);
    return { items: all.slice((request.page - 1) * request.limit, request.page * request.limit), total: all.length, page: request.page, limit: request.limit };
  }

  @MessagePattern(USERS_PATTERNS.UPDATE_PROFILE)
  update(@Payload() request: { userId: string; name?: string; email?: string }): UserView {
    const user = this.find(request.userId);
    if (request.name !== undefined) user.name = request.name;
    if (request.email !== undefined) user.email = request.email;
    return FakeUsersMessagesController.view(user);
  }

  @MessagePattern(USERS_PATTERNS.DEACTIVATE_USER)
  async deactivate(@Payload() request: { userId: string }): Promise<UserView> {
    const user = this.find(request.userId);
    user.status = 'inactive';
    await this.events.publish(USERS_EVENTS.USER_DEACTIVATED, { userId: user.id, occurredAt: new Date().toISOString() });
    return FakeUsersMessagesController.view(user);
  }

  @MessagePattern(USERS_PATTERNS.CHECK_HEALTH)
  health() {
    return { context: 'users', status: 'up' };
  }
}

const BROKEN_PRODUCT_ID = 'dead0000-0000-4000-8000-000000000000';

@MessagesController()
class FakeCatalogMessagesController {
  static readonly products = new Map<string, ProductView>();

  @MessagePattern(CATALOG_PATTERNS.CREATE_PRODUCT)
  create(@Payload() request: CreateProductRequest): ProductView {
    if ([...FakeCatalogMessagesController.products.values()].some((p) => p.sku === request.sku)) throw new DomainError('SKU_TAKEN', 'SKU in use');
    const now = new Date().toISOString();
    const product: ProductView = { id: randomUUID(), sku: request.sku, name: request.name, description: request.description ?? '', price: request.price, stock: request.stock, createdAt: now, updatedAt: now };
    FakeCatalogMessagesController.products.set(product.id, product);
    return product;
  }

  @MessagePattern(CATALOG_PATTERNS.GET_PRODUCT)
  get(@Payload() request: { productId: string }): ProductView {
    if (request.productId === BROKEN_PRODUCT_ID) throw new Error('relation "catalog.products" does not exist');
    const product = FakeCatalogMessagesController.products.get(request.productId);
    if (!product) throw new DomainError('PRODUCT_NOT_FOUND', 'No such product');
    return product;
  }

  @MessagePattern(CATALOG_PATTERNS.LIST_PRODUCTS)
  list(@Payload() request: PageRequest & { q?: string }): Page<ProductView> {
    const all = [...FakeCatalogMessagesController.products.values()].filter((p) => !request.q || p.name.toLowerCase().includes(request.q.toLowerCase()));
    return { items: all.slice((request.page - 1) * request.limit, request.page * request.limit), total: all.length, page: request.page, limit: request.limit };
  }

  @MessagePattern(CATALOG_PATTERNS.UPDATE_PRODUCT)
  update(@Payload() request: { productId: string; name?: string; description?: string; price?: ProductView['price'] }): ProductView {
    const product = this.get(request);
    Object.assign(product, { ...(request.name !== undefined && { name: request.name }), ...(request.description !== undefined && { description: request.description }), ...(request.price && { price: request.price }) });
    return product;
  }

  @MessagePattern(CATALOG_PATTERNS.ADJUST_STOCK)
  adjust(@Payload() request: { productId: string; delta: number }): ProductView {
    const product = this.get(request);
    if (product.stock + request.delta < 0) throw new DomainError('INSUFFICIENT_STOCK', `Only ${product.stock} in stock`);
    product.stock += request.delta;
    return product;
  }

  @MessagePattern(CATALOG_PATTERNS.CHECK_HEALTH)
  health() {
    return { context: 'catalog', status: 'up' };
  }
}

const ENV = { NODE_ENV: 'test', JWT_SECRET: 'an-http-spec-secret-value', JWT_EXPIRES_IN_SECONDS: 900, RATE_LIMIT_PER_MINUTE: 300, LOGIN_RATE_LIMIT_PER_MINUTE: 50, CORS_ORIGINS: 'https://shop.example.com' };

@Global()
@Module({ providers: [{ provide: ConfigService, useValue: new ConfigService(ENV) }], exports: [ConfigService] })
class TestConfigModule {}

const contexts: ContextName[] = ['users', 'catalog'];

@Module({
  imports: [
    TestConfigModule,
    MessagingModule.forTopology({ transport: 'inproc', hosted: contexts, tcpAddresses: {} as never, requestTimeoutMs: 2000 }, contexts),
    HealthModule.forContexts(GATEWAY_REACHED_CONTEXTS),
    GatewayModule,
  ],
  controllers: [FakeUsersMessagesController, FakeCatalogMessagesController],
})
class TestAppModule {}

describe('Gateway over HTTP (fake contexts, in process)', () => {
  let app: NestFastifyApplication;
  let admin: { id: string; token: string };
  let customer: { id: string; token: string };

  async function call(method: string, url: string, options: { token?: string; body?: unknown; headers?: Record<string, string>; payload?: string; from?: string } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await app.inject({ method: method as 'GET', url, headers, remoteAddress: options.from ?? '127.0.0.1', ...(options.body !== undefined ? { payload: options.body as object } : {}), ...(options.payload !== undefined ? { payload: options.payload } : {}) });
    const isJson = /json/.test(String(response.headers['content-type']));
    return { status: response.statusCode, headers: response.headers, body: isJson ? response.json() : response.body };
  }

  async function login(email: string, password: string): Promise<string> {
    const response = await call('POST', '/auth/login', { body: { email, password } });
    expect(response.status).toBe(200);
    return response.body.accessToken as string;
  }

  beforeAll(async () => {
    Logger.overrideLogger(false);
    app = await NestFactory.create<NestFastifyApplication>(TestAppModule, createFastifyAdapter(createRootLogger('gateway-spec', 'silent')), { logger: false });
    await configureHttpApp(app);
    await startContextServers(app as INestApplication);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const adminUser = FakeUsersMessagesController.add('admin@shop.local', 'admin-password', 'admin');
    const customerUser = FakeUsersMessagesController.add('ada@example.com', 'ada-password');
    admin = { id: adminUser.id, token: await login('admin@shop.local', 'admin-password') };
    customer = { id: customerUser.id, token: await login('ada@example.com', 'ada-password') };
  });

  afterAll(async () => {
    await app?.close();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  describe('auth', () => {
    it('registers a customer (201, no password in the answer) and refuses the same email in another case (409)', async () => {
      const created = await call('POST', '/auth/register', { body: { email: 'grace@example.com', password: 'long-enough', name: 'Grace' } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(String), email: 'grace@example.com', name: 'Grace', role: 'customer', status: 'active', createdAt: expect.any(String) });
      const again = await call('POST', '/auth/register', { body: { email: 'GRACE@example.com', password: 'long-enough', name: 'Grace' } });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('EMAIL_TAKEN');
    });

    it('answers a login with a bearer token, and a wrong password with 401 INVALID_CREDENTIALS', async () => {
      const ok = await call('POST', '/auth/login', { body: { email: 'ada@example.com', password: 'ada-password' } });
      expect(ok.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
      const wrong = await call('POST', '/auth/login', { body: { email: 'ada@example.com', password: 'nope-nope' } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(wrong.body).toMatchObject({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'INVALID_CREDENTIALS' });
    });

    it('refuses unknown fields, such as a role, with 400 VALIDATION_FAILED naming them', async () => {
      const response = await call('POST', '/auth/register', { body: { email: 'eve@example.com', password: 'long-enough', name: 'Eve', role: 'admin' } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'role', message: expect.any(String) }] });
    });

    it('lists every failed field of a bad body, and a missing field once', async () => {
      const response = await call('POST', '/auth/register', { body: { email: 'not-an-email', name: 5 } });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        { field: 'email', message: 'email must be an email' },
        { field: 'password', message: 'password is required' },
        { field: 'name', message: 'name must be a string' },
        { field: 'name', message: 'name must be longer than or equal to 1 and shorter than or equal to 100 characters' },
        { field: 'name', message: 'name must not be blank' },
      ]);
    });
  });

  describe('malformed requests', () => {
    it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
      const response = await call('POST', '/auth/login', { payload: '{"email": "a@b.c",', headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('MALFORMED_JSON');
    });

    it('answers a __proto__ key with 400 rather than letting it through', async () => {
      const response = await call('POST', '/auth/login', { payload: '{"email":"a@b.c","password":"x","__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
    });

    it.each([
      ['no body at all', undefined],
      ['a JSON array', '[]'],
      ['a JSON string', '"text"'],
      ['JSON null', 'null'],
    ])('answers %s where an object is expected with 400', async (_name, payload) => {
      const response = await call('POST', '/auth/login', payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    });

    it('answers a body over 1 MiB with 413', async () => {
      const response = await call('POST', '/auth/register', { payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024) }), headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('answers a %s body with 415', async (contentType) => {
      const response = await call('POST', '/auth/login', { payload: 'email=a@b.c', headers: { 'content-type': contentType } });
      expect(response.status).toBe(415);
      expect(response.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('answers a URL that cannot be decoded with 400 problem+json', async () => {
      const response = await call('GET', '/products/%E0%A4%A');
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    });

    it('answers an unknown route or a wrong method with 404 problem+json', async () => {
      for (const [method, url] of [['GET', '/nowhere'], ['DELETE', '/products']]) {
        const response = await call(method, url);
        expect(response.status).toBe(404);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body.code).toBe('NOT_FOUND');
      }
    });

    it('answers a failure inside a context with a bare 500 INTERNAL, never its message', async () => {
      const response = await call('GET', `/products/${BROKEN_PRODUCT_ID}`);
      expect(response.status).toBe(500);
      expect(response.body).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'The request could not be completed.', code: 'INTERNAL' });
    });
  });

  describe('authentication and roles', () => {
    it.each([
      ['no token', undefined],
      ['a garbage token', 'garbage'],
    ])('answers %s on a protected route with 401 problem+json', async (_name, token) => {
      const response = await call('GET', '/users/me', { token });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('UNAUTHORIZED');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('answers a customer on an admin route with 403 FORBIDDEN', async () => {
      const response = await call('GET', '/users', { token: customer.token });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    });

    it('keeps health probes open without a token', async () => {
      expect((await call('GET', '/health/live')).status).toBe(200);
      expect((await call('GET', '/health/ready')).status).toBe(200);
    });
  });

  describe('users', () => {
    it('shows and changes the signed-in user', async () => {
      expect((await call('GET', '/users/me', { token: customer.token })).body).toMatchObject({ id: customer.id, email: 'ada@example.com' });
      const changed = await call('PATCH', '/users/me', { token: customer.token, body: { name: 'Ada L.' } });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ id: customer.id, name: 'Ada L.', email: 'ada@example.com' });
    });

    it('refuses null for an optional field rather than passing it on', async () => {
      const response = await call('PATCH', '/users/me', { token: customer.token, body: { name: null } });
      expect(response.status).toBe(400);
    });

    it('shows a user to that user and to an admin, and 404 to anyone else or for a malformed id', async () => {
      expect((await call('GET', `/users/${customer.id}`, { token: customer.token })).status).toBe(200);
      expect((await call('GET', `/users/${customer.id}`, { token: admin.token })).status).toBe(200);
      const other = await call('GET', `/users/${admin.id}`, { token: customer.token });
      expect(other.status).toBe(404);
      expect(other.body.code).toBe('USER_NOT_FOUND');
      const malformed = await call('GET', '/users/not-a-uuid', { token: admin.token });
      expect(malformed.status).toBe(404);
      expect(malformed.body.code).toBe('USER_NOT_FOUND');
    });

    it('lists users a page at a time for an admin, and refuses bad pagination with 400', async () => {
      const page = await call('GET', '/users?page=1&limit=2', { token: admin.token });
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ page: 1, limit: 2, total: expect.any(Number) });
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      for (const query of ['page=0', 'limit=0', 'limit=101', 'page=1.5', 'limit=abc', 'page=1&page=2', 'sort=name']) {
        const bad = await call('GET', `/users?${query}`, { token: admin.token });
        expect([query, bad.status, bad.body.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
      }
      expect((await call('GET', '/users', { token: admin.token })).body).toMatchObject({ page: 1, limit: 20 });
    });

    it("refuses a deactivated user's existing token at once, and their login", async () => {
      const user = FakeUsersMessagesController.add('leaving@example.com', 'leaving-password');
      const token = await login('leaving@example.com', 'leaving-password');
      expect((await call('GET', '/users/me', { token })).status).toBe(200);
      const deactivated = await call('POST', `/users/${user.id}/deactivate`, { token: admin.token });
      expect(deactivated.status).toBe(200);
      expect(deactivated.body.status).toBe('inactive');
      expect((await call('GET', '/users/me', { token })).status).toBe(401);
      expect((await call('POST', '/auth/login', { body: { email: 'leaving@example.com', password: 'leaving-password' } })).status).toBe(401);
    });

    it('hears of a deactivation done elsewhere through the users event', async () => {
      const user = FakeUsersMessagesController.add('elsewhere@example.com', 'elsewhere-password');
      const token = await login('elsewhere@example.com', 'elsewhere-password');
      expect((await call('GET', '/users/me', { token })).status).toBe(200);
      await app.get<ContextClient>(contextClientToken('users')).send(USERS_PATTERNS.DEACTIVATE_USER, { userId: user.id });
      expect((await call('GET', '/users/me', { token })).status).toBe(401);
    });
  });

  describe('products', () => {
    let productId: string;

    beforeAll(async () => {
      const created = await call('POST', '/products', { token: admin.token, body: { sku: 'TEE-BLK-M', name: 'Black T-shirt', price: { amount: 1999, currency: 'USD' }, stock: 5 } });
      expect(created.status).toBe(201);
      productId = created.body.id;
    });

    it('creates products for an admin only, with the documented shape', async () => {
      const product = await call('GET', `/products/${productId}`);
      expect(product.body).toEqual({ id: productId, sku: 'TEE-BLK-M', name: 'Black T-shirt', description: '', price: { amount: 1999, currency: 'USD' }, stock: 5, createdAt: expect.any(String), updatedAt: expect.any(String) });
      const byCustomer = await call('POST', '/products', { token: customer.token, body: { sku: 'X', name: 'X', price: { amount: 1, currency: 'USD' }, stock: 1 } });
      expect(byCustomer.status).toBe(403);
      const anonymous = await call('POST', '/products', { body: { sku: 'X', name: 'X', price: { amount: 1, currency: 'USD' }, stock: 1 } });
      expect(anonymous.status).toBe(401);
      const duplicate = await call('POST', '/products', { token: admin.token, body: { sku: 'TEE-BLK-M', name: 'Again', price: { amount: 1, currency: 'USD' }, stock: 1 } });
      expect(duplicate.body.code).toBe('SKU_TAKEN');
    });

    it.each([
      ['a float price', { price: { amount: 19.99, currency: 'USD' } }, 'price.amount'],
      ['a negative price', { price: { amount: -1, currency: 'USD' } }, 'price.amount'],
      ['another currency', { price: { amount: 100, currency: 'EUR' } }, 'price.currency'],
      ['a price that is not an object', { price: 100 }, 'price'],
      ['a negative stock', { stock: -1 }, 'stock'],
      ['a fractional stock', { stock: 1.5 }, 'stock'],
      ['an unknown nested field', { price: { amount: 1, currency: 'USD', discount: 5 } }, 'price.discount'],
    ])('refuses %s with 400 naming the field', async (_name, change, field) => {
      const body = { sku: `SKU-${randomUUID()}`, name: 'Thing', price: { amount: 100, currency: 'USD' }, stock: 1, ...change };
      const response = await call('POST', '/products', { token: admin.token, body });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('lists and searches products without a token', async () => {
      const all = await call('GET', '/products');
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ page: 1, limit: 20, total: expect.any(Number) });
      const found = await call('GET', '/products?q=black');
      expect(found.body.items.map((p: ProductView) => p.id)).toContain(productId);
      expect((await call('GET', '/products?limit=500')).status).toBe(400);
    });

    it('answers a malformed or unknown product id with 404 PRODUCT_NOT_FOUND', async () => {
      for (const id of ['42', randomUUID()]) {
        const response = await call('GET', `/products/${id}`);
        expect([id, response.status, response.body.code]).toEqual([id, 404, 'PRODUCT_NOT_FOUND']);
      }
    });

    it('changes only the fields present, and never the stock', async () => {
      const changed = await call('PATCH', `/products/${productId}`, { token: admin.token, body: { name: 'Black Tee', price: { amount: 2499, currency: 'USD' } } });
      expect(changed.body).toMatchObject({ name: 'Black Tee', price: { amount: 2499, currency: 'USD' }, stock: 5 });
      expect((await call('PATCH', `/products/${productId}`, { token: admin.token, body: { stock: 100 } })).status).toBe(400);
    });

    it('adjusts stock, refusing a zero delta (400) and going below zero (409 INSUFFICIENT_STOCK)', async () => {
      const received = await call('POST', `/products/${productId}/stock-adjustments`, { token: admin.token, body: { delta: 3 } });
      expect(received.status).toBe(200);
      expect(received.body.stock).toBe(8);
      expect((await call('POST', `/products/${productId}/stock-adjustments`, { token: admin.token, body: { delta: 0 } })).status).toBe(400);
      const tooMany = await call('POST', `/products/${productId}/stock-adjustments`, { token: admin.token, body: { delta: -9 } });
      expect(tooMany.status).toBe(409);
      expect(tooMany.body.code).toBe('INSUFFICIENT_STOCK');
    });
  });

  describe('headers and documentation', () => {
    it('sends security headers', async () => {
      const response = await call('GET', '/products');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toMatch(/script-src 'self'/);
    });

    it('allows cross-origin calls from the configured origins only', async () => {
      const preflight = (origin: string) =>
        app.inject({ method: 'OPTIONS', url: '/products', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
      expect((await preflight('https://shop.example.com')).headers['access-control-allow-origin']).toBe('https://shop.example.com');
      expect((await preflight('https://evil.example.com')).headers['access-control-allow-origin']).toBeUndefined();
    });

    it('serves Swagger UI at /docs and the OpenAPI document of every route at /docs-json', async () => {
      const ui = await call('GET', '/docs');
      expect(ui.status).toBe(200);
      expect(String(ui.headers['content-type'])).toMatch(/text\/html/);
      expect((await app.inject({ method: 'GET', url: '/docs/swagger-ui-bundle.js' })).statusCode).toBe(200);
      const document = (await call('GET', '/docs-json')).body;
      expect(document.openapi).toMatch(/^3\./);
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining(['/auth/register', '/auth/login', '/users/me', '/users/{id}', '/users', '/users/{id}/deactivate', '/products', '/products/{id}', '/products/{id}/stock-adjustments', '/health/live', '/health/ready']),
      );
      expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(document.paths['/users/me'].get.security).toEqual([{ bearer: [] }]);
      expect(document.paths['/products'].get.security).toBeUndefined();
      expect(document.paths['/products'].post.responses['409'].content['application/problem+json']).toBeDefined();
      expect(document.components.schemas.CreateProductDto.required).toEqual(expect.arrayContaining(['sku', 'name', 'price', 'stock']));
    });
  });

  describe('rate limits', () => {
    it('limits logins per client IP to LOGIN_RATE_LIMIT_PER_MINUTE, answering 429 RATE_LIMITED with a plain Retry-After', async () => {
      const attempt = (from: string, headers: Record<string, string> = {}) =>
        call('POST', '/auth/login', { body: { email: 'nobody@example.com', password: 'whatever' }, from, headers });
      for (let i = 0; i < 50; i += 1) expect((await attempt('203.0.113.1')).status).toBe(401);
      const limited = await attempt('203.0.113.1', { 'x-forwarded-for': '198.51.100.77' });
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(limited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(limited.headers['retry-after-login']).toBeUndefined();
      expect((await attempt('203.0.113.2')).status).toBe(401);
      expect((await call('GET', '/products', { from: '203.0.113.1' })).status).toBe(200);
    });

    it('limits every client IP to RATE_LIMIT_PER_MINUTE requests across all routes, but never health probes', async () => {
      for (let i = 0; i < 150; i += 1) expect((await call('GET', '/products', { from: '203.0.113.3' })).status).toBe(200);
      for (let i = 0; i < 150; i += 1) expect((await call('GET', '/users/me', { from: '203.0.113.3' })).status).toBe(401);
      const limited = await call('GET', `/products/${randomUUID()}`, { from: '203.0.113.3' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await call('GET', '/health/live', { from: '203.0.113.3' })).status).toBe(200);
      expect((await call('GET', '/products', { from: '203.0.113.4' })).status).toBe(200);
    });
  });
});
