import { Global, INestApplication, Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CATALOG_PATTERNS, CONTEXT_NAMES, ORDERING_PATTERNS, PAYMENTS_PATTERNS, USERS_EVENTS, USERS_PATTERNS } from '@tessera/contracts';
import type {
  CancelOrderRequest,
  ContextName,
  CreateProductRequest,
  GetOrderHistoryRequest,
  GetOrderRequest,
  GetPaymentRequest,
  ListOrdersRequest,
  OrderHistoryEntry,
  OrderView,
  Page,
  PageRequest,
  PaymentView,
  PayOrderRequest,
  PlaceOrderRequest,
  ProductView,
  UserView,
} from '@tessera/contracts';
import {
  ContextClient,
  contextClientToken,
  healthCheckPatternOf,
  IntegrationEventPublisher,
  MessagesController,
  MessagingModule,
  startContextServers,
  topologyFromEnv,
} from '@tessera/messaging';
import { createRootLogger, HealthModule, RuntimeSettings } from '@tessera/platform';
import { DomainError } from '@tessera/shared-kernel';
import { randomUUID } from 'node:crypto';
import { configureHttpApp, createFastifyAdapter, GatewayModule } from './index';

// @fastify/static (Swagger UI's assets) requires content-disposition 3, an ES module, which Jest cannot
// require before Node 24.9. Only its `create` is loaded, to build download headers these tests never ask for.
jest.mock('content-disposition', () => ({ create: () => () => 'attachment' }));

// Small stand-ins for the contexts, served over the real in-process transport,
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
    const product: ProductView = {
      id: randomUUID(),
      sku: request.sku,
      name: request.name,
      description: request.description ?? '',
      price: request.price,
      stock: request.stock,
      createdAt: now,
      updatedAt: now,
    };
    FakeCatalogMessagesController.products.set(product.id, product);
    return product;
  }

  @MessagePattern(CATALOG_PATTERNS.GET_PRODUCT)
  get(@Payload() request: { productId: string }): ProductView {
    return this.find(request);
  }

  private find(request: { productId: string }): ProductView {
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
    const product = this.find(request);
    Object.assign(product, {
      ...(request.name !== undefined && { name: request.name }),
      ...(request.description !== undefined && { description: request.description }),
      ...(request.price && { price: request.price }),
    });
    return product;
  }

  @MessagePattern(CATALOG_PATTERNS.ADJUST_STOCK)
  adjust(@Payload() request: { productId: string; delta: number }): ProductView {
    const product = this.find(request);
    if (product.stock + request.delta < 0) throw new DomainError('INSUFFICIENT_STOCK', `Only ${product.stock} in stock`);
    product.stock += request.delta;
    return product;
  }

  @MessagePattern(CATALOG_PATTERNS.CHECK_HEALTH)
  health() {
    return { context: 'catalog', status: 'up' };
  }
}

@MessagesController()
class FakeOrderingMessagesController {
  static readonly orders = new Map<string, { view: OrderView; history: OrderHistoryEntry[] }>();
  /** The last request of each pattern, to check what the gateway sends. */
  static readonly received = new Map<string, unknown>();

  private visible(orderId: string, requester: { userId: string; isAdmin: boolean }) {
    const order = FakeOrderingMessagesController.orders.get(orderId);
    if (!order || (!requester.isAdmin && order.view.userId !== requester.userId)) throw new DomainError('ORDER_NOT_FOUND', 'No such order');
    return order;
  }

  private static record(order: { view: OrderView; history: OrderHistoryEntry[] }, type: string, data: Record<string, unknown>) {
    order.view.updatedAt = new Date().toISOString();
    order.history.push({ type, version: order.history.length + 1, occurredAt: order.view.updatedAt, data });
  }

  @MessagePattern(ORDERING_PATTERNS.PLACE_ORDER)
  place(@Payload() request: PlaceOrderRequest): OrderView {
    FakeOrderingMessagesController.received.set(ORDERING_PATTERNS.PLACE_ORDER, request);
    if (request.idempotencyKey === 'still-running') throw new DomainError('IDEMPOTENCY_KEY_IN_USE', 'The first request with this key is still running');
    if (request.idempotencyKey === 'used-for-another-body') throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This key was used with another request');
    const quantities = new Map<string, number>();
    for (const item of request.items) quantities.set(item.productId, (quantities.get(item.productId) ?? 0) + item.quantity);
    const lines = [...quantities].map(([productId, quantity]) => {
      const product = FakeCatalogMessagesController.products.get(productId);
      if (!product) throw new DomainError('PRODUCT_NOT_FOUND', 'No such product', { productId });
      if (product.stock < quantity) throw new DomainError('INSUFFICIENT_STOCK', `Only ${product.stock} in stock`, { productId });
      return { product, quantity };
    });
    const now = new Date();
    const items = lines.map(({ product, quantity }) => {
      product.stock -= quantity;
      return {
        productId: product.id,
        sku: product.sku,
        name: product.name,
        unitPrice: product.price,
        quantity,
        lineTotal: { amount: product.price.amount * quantity, currency: 'USD' },
      };
    });
    const view: OrderView = {
      id: randomUUID(),
      userId: request.userId,
      status: 'AWAITING_PAYMENT',
      items,
      total: { amount: items.reduce((sum, item) => sum + item.lineTotal.amount, 0), currency: 'USD' },
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 900_000).toISOString(),
      // A context's internal field, which the gateway must not pass on.
      reservationId: 'internal',
    } as OrderView;
    const order = { view, history: [] };
    FakeOrderingMessagesController.record(order, 'OrderPlaced', { total: view.total });
    FakeOrderingMessagesController.orders.set(view.id, order);
    return view;
  }

  @MessagePattern(ORDERING_PATTERNS.GET_ORDER)
  get(@Payload() request: GetOrderRequest): OrderView {
    FakeOrderingMessagesController.received.set(ORDERING_PATTERNS.GET_ORDER, request);
    return this.visible(request.orderId, request.requester).view;
  }

  @MessagePattern(ORDERING_PATTERNS.LIST_ORDERS)
  list(@Payload() request: ListOrdersRequest): Page<OrderView> {
    FakeOrderingMessagesController.received.set(ORDERING_PATTERNS.LIST_ORDERS, request);
    const owner = request.requester.isAdmin ? request.userId : request.requester.userId;
    const all = [...FakeOrderingMessagesController.orders.values()].map((o) => o.view).filter((o) => owner === undefined || o.userId === owner);
    return { items: all.slice((request.page - 1) * request.limit, request.page * request.limit), total: all.length, page: request.page, limit: request.limit };
  }

  @MessagePattern(ORDERING_PATTERNS.CANCEL_ORDER)
  cancel(@Payload() request: CancelOrderRequest): OrderView {
    const order = this.visible(request.orderId, request.requester);
    if (order.view.status === 'CANCELLED') throw new DomainError('ORDER_NOT_CANCELLABLE', 'The order is cancelled already');
    order.view.status = 'CANCELLED';
    order.view.cancellationReason = request.requester.isAdmin ? 'CANCELLED_BY_ADMIN' : 'CANCELLED_BY_CUSTOMER';
    FakeOrderingMessagesController.record(order, 'OrderCancelled', { reason: order.view.cancellationReason });
    return order.view;
  }

  @MessagePattern(ORDERING_PATTERNS.GET_ORDER_HISTORY)
  history(@Payload() request: GetOrderHistoryRequest): OrderHistoryEntry[] {
    return this.visible(request.orderId, request.requester).history;
  }

  @MessagePattern(ORDERING_PATTERNS.CHECK_HEALTH)
  health() {
    return { context: 'ordering', status: 'up' };
  }
}

@MessagesController()
class FakePaymentsMessagesController {
  static readonly payments = new Map<string, PaymentView>();
  static readonly received = new Map<string, unknown>();
  /** Charges the next payment but answers that ordering could not be asked to confirm it, as payments does. */
  static leaveNextUnconfirmed = false;

  @MessagePattern(PAYMENTS_PATTERNS.PAY_ORDER)
  pay(@Payload() request: PayOrderRequest): PaymentView {
    FakePaymentsMessagesController.received.set(PAYMENTS_PATTERNS.PAY_ORDER, request);
    const order = FakeOrderingMessagesController.orders.get(request.orderId);
    if (!order || order.view.userId !== request.userId) throw new DomainError('ORDER_NOT_FOUND', 'No such order');
    if (order.view.status !== 'AWAITING_PAYMENT') throw new DomainError('ORDER_NOT_PAYABLE', 'The order is not awaiting payment');
    if (!['pm_card_visa', 'pm_card_chargeDeclined'].includes(request.paymentMethod)) {
      throw new DomainError('VALIDATION_FAILED', 'Unknown payment method', {
        errors: [{ field: 'paymentMethod', message: 'is not one the provider takes' }],
      });
    }
    const declined = request.paymentMethod === 'pm_card_chargeDeclined';
    const payment: PaymentView = {
      id: randomUUID(),
      orderId: request.orderId,
      amount: order.view.total,
      status: declined ? 'FAILED' : 'SUCCEEDED',
      paymentMethod: request.paymentMethod,
      ...(declined ? { failureReason: 'card_declined' } : {}),
      createdAt: new Date().toISOString(),
    };
    FakePaymentsMessagesController.payments.set(payment.id, payment);
    if (declined) throw new DomainError('PAYMENT_DECLINED', 'The card was declined', { paymentId: payment.id, providerTrace: 'internal' });
    if (FakePaymentsMessagesController.leaveNextUnconfirmed) {
      FakePaymentsMessagesController.leaveNextUnconfirmed = false;
      throw new DomainError('CONTEXT_UNAVAILABLE', 'ordering did not answer at orders-7.internal', { paymentId: payment.id, providerTrace: 'internal' });
    }
    order.view.status = 'CONFIRMED';
    return payment;
  }

  @MessagePattern(PAYMENTS_PATTERNS.GET_PAYMENT)
  get(@Payload() request: GetPaymentRequest): PaymentView {
    FakePaymentsMessagesController.received.set(PAYMENTS_PATTERNS.GET_PAYMENT, request);
    const payment = FakePaymentsMessagesController.payments.get(request.paymentId);
    const owner = payment && FakeOrderingMessagesController.orders.get(payment.orderId)?.view.userId;
    if (!payment || (!request.requester.isAdmin && owner !== request.requester.userId)) throw new DomainError('PAYMENT_NOT_FOUND', 'No such payment');
    return payment;
  }

  @MessagePattern(PAYMENTS_PATTERNS.CHECK_HEALTH)
  health() {
    return { context: 'payments', status: 'up' };
  }
}

const ENV = {
  NODE_ENV: 'test',
  JWT_SECRET: 'an-http-spec-secret-value',
  JWT_EXPIRES_IN_SECONDS: 900,
  RATE_LIMIT_PER_MINUTE: 300,
  LOGIN_RATE_LIMIT_PER_MINUTE: 50,
  CORS_ORIGINS: 'https://shop.example.com',
};

@Global()
@Module({
  providers: [
    { provide: ConfigService, useValue: new ConfigService(ENV) },
    { provide: RuntimeSettings, useValue: RuntimeSettings.fromEnvironment(ENV) },
  ],
  exports: [ConfigService, RuntimeSettings],
})
class TestConfigModule {}

// Every context has a client, as in the apps, and is hosted; readiness asks each hosted context for its health, which
// a context generated since (npm run new:context) answers here, up, as its own module would.
const faked: ContextName[] = ['users', 'catalog', 'ordering', 'payments'];
const generatedContextsHealth = CONTEXT_NAMES.filter((context) => !faked.includes(context)).map((context) => {
  @MessagesController()
  class GeneratedContextHealth {
    @MessagePattern(healthCheckPatternOf(context))
    health() {
      return { context, status: 'up' };
    }
  }
  return GeneratedContextHealth;
});

@Module({
  imports: [
    TestConfigModule,
    MessagingModule.forTopology(topologyFromEnv({ REQUEST_TIMEOUT_MS: '2000' }, { kind: 'monolith' }, CONTEXT_NAMES), CONTEXT_NAMES),
    HealthModule.forContexts(faked),
    GatewayModule,
  ],
  controllers: [
    FakeUsersMessagesController,
    FakeCatalogMessagesController,
    FakeOrderingMessagesController,
    FakePaymentsMessagesController,
    ...generatedContextsHealth,
  ],
})
class TestAppModule {}

describe('Gateway over HTTP (fake contexts, in process)', () => {
  let app: NestFastifyApplication;
  let admin: { id: string; token: string };
  let customer: { id: string; token: string };

  async function call(
    method: string,
    url: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string>; payload?: string; from?: string } = {},
  ) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await app.inject({
      method: method as 'GET',
      url,
      headers,
      remoteAddress: options.from ?? '127.0.0.1',
      ...(options.body !== undefined ? { payload: options.body as object } : {}),
      ...(options.payload !== undefined ? { payload: options.payload } : {}),
    });
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
      expect(created.body).toEqual({
        id: expect.any(String),
        email: 'grace@example.com',
        name: 'Grace',
        role: 'customer',
        status: 'active',
        createdAt: expect.any(String),
      });
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

    it('lists every failed field of a bad body: a missing field once, a field of the wrong type by its type', async () => {
      const response = await call('POST', '/auth/register', { body: { email: 'not-an-email', name: 5 } });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        { field: 'email', message: 'email must be an email' },
        { field: 'password', message: 'password is required' },
        { field: 'name', message: 'name must be a string' },
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

    it.each([
      ['a __proto__ key', '{"email":"a@b.c","password":"x","__proto__":{"admin":true}}'],
      ['a nested constructor.prototype key', '{"email":"a@b.c","password":"x","profile":{"constructor":{"prototype":{"admin":true}}}}'],
    ])('answers %s with 400 VALIDATION_FAILED naming it, as an unknown field, rather than letting it through', async (_name, payload) => {
      const response = await call('POST', '/auth/login', { payload, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'body', message: 'body must not hold a __proto__ key, nor a constructor key with a prototype' }],
      });
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

    it.each([
      ['POST /auth/register', 'POST', '/auth/register'],
      ['POST /auth/login', 'POST', '/auth/login'],
      ['POST /products', 'POST', '/products'],
      ['POST /orders', 'POST', '/orders'],
      ['a route without a body', 'POST', `/orders/${randomUUID()}/cancel`],
    ])('answers JSON nested 3,000 levels deep on %s with 400 VALIDATION_FAILED, before any route', async (_name, method, url) => {
      const payload = `{"items":${'['.repeat(3000)}${']'.repeat(3000)}}`;
      const response = await call(method, url, { token: admin.token, payload, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        detail: expect.stringMatching(/nested too deeply/),
        errors: [{ field: 'body', message: expect.any(String) }],
      });
    });

    it('takes a body nested up to 32 levels, leaving the rest to validation', async () => {
      // The body is level 1, price level 2, and 30 arrays inside it make 32.
      const price = `{"amount":1,"currency":"USD","x":${'['.repeat(30)}${']'.repeat(30)}}`;
      const response = await call('POST', '/products', {
        token: admin.token,
        payload: `{"sku":"DEEP","name":"Deep","stock":1,"price":${price}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'price.x', message: 'price.x is not an accepted field' }]);
    });

    it('refuses a lone surrogate in any string with 400 VALIDATION_FAILED naming the field, and sends nothing on', async () => {
      const payload = '{"email":"lone@example.com","password":"long enough","name":"Ada \\ud800"}';
      const response = await call('POST', '/auth/register', { payload, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'name', message: expect.stringMatching(/lone UTF-16 surrogate/) }] });
      expect([...FakeUsersMessagesController.users.values()].some((u) => u.email === 'lone@example.com')).toBe(false);
    });

    it('refuses a body that is not UTF-8 with 400 MALFORMED_JSON rather than replacing bytes', async () => {
      const payload = Buffer.concat([Buffer.from('{"email":"a@b.c","password":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('xxxxxxxx"}')]);
      const response = await app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'MALFORMED_JSON', detail: expect.stringMatching(/UTF-8/) });
    });

    it.each([
      ['PATCH /users/me', 'PATCH', () => '/users/me', () => customer.token],
      ['PATCH /products/:id', 'PATCH', () => `/products/${randomUUID()}`, () => admin.token],
      ['POST /products', 'POST', () => '/products', () => admin.token],
      ['POST /products/:id/stock-adjustments', 'POST', () => `/products/${randomUUID()}/stock-adjustments`, () => admin.token],
      ['POST /orders', 'POST', () => '/orders', () => customer.token],
      ['POST /payments', 'POST', () => '/payments', () => customer.token],
      ['POST /auth/register', 'POST', () => '/auth/register', () => customer.token],
    ])('answers a body that is not a JSON object on %s with 400 VALIDATION_FAILED', async (_name, method, url, token) => {
      for (const payload of ['null', '42', '"text"', '[]', '[{}]', 'true']) {
        const response = await call(method, url(), { token: token(), payload, headers: { 'content-type': 'application/json' } });
        expect([payload, response.status, response.body.code, response.body.errors]).toEqual([
          payload,
          400,
          'VALIDATION_FAILED',
          [{ field: 'body', message: expect.stringMatching(/^body must be a JSON object/) }],
        ]);
      }
    });

    it.each([
      ['POST /orders/:id/cancel', 'POST', () => `/orders/${randomUUID()}/cancel`, () => customer.token],
      ['POST /users/:id/deactivate', 'POST', () => `/users/${randomUUID()}/deactivate`, () => admin.token],
      ['POST /admin/dead-letters/:id/replay', 'POST', () => `/admin/dead-letters/${randomUUID()}/replay`, () => admin.token],
      ['DELETE /admin/dead-letters/:id', 'DELETE', () => `/admin/dead-letters/${randomUUID()}`, () => admin.token],
    ])('refuses a body on %s, which takes none, with 400 VALIDATION_FAILED naming its fields', async (_name, method, url, token) => {
      const fields = await call(method, url(), { token: token(), body: { reason: 'x', status: 'CANCELLED' } });
      expect([fields.status, fields.headers['content-type']]).toEqual([400, expect.stringMatching(/^application\/problem\+json/)]);
      expect(fields.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        detail: 'reason is not an accepted field; status is not an accepted field',
        errors: [
          { field: 'reason', message: 'reason is not an accepted field' },
          { field: 'status', message: 'status is not an accepted field' },
        ],
      });
      for (const payload of ['null', '42', '"text"', '[]', 'true']) {
        const response = await call(method, url(), { token: token(), payload, headers: { 'content-type': 'application/json' } });
        expect([payload, response.status, response.body.code, response.body.errors]).toEqual([
          payload,
          400,
          'VALIDATION_FAILED',
          [{ field: 'body', message: expect.stringMatching(/^body is not accepted/) }],
        ]);
      }
    });

    it('takes no body, or {}, on a route that takes none, and asks for a token before it looks at the body', async () => {
      const user = FakeUsersMessagesController.add('bodyless@example.com', 'bodyless-password');
      const stranger = await call('POST', `/users/${user.id}/deactivate`, { body: { reason: 'x' } });
      expect([stranger.status, stranger.body.code]).toEqual([401, 'UNAUTHORIZED']);
      const customerAsks = await call('POST', `/users/${user.id}/deactivate`, { token: customer.token, body: { reason: 'x' } });
      expect([customerAsks.status, customerAsks.body.code]).toEqual([403, 'FORBIDDEN']);
      const empty = await call('POST', `/users/${user.id}/deactivate`, { token: admin.token, body: {} });
      expect([empty.status, empty.body.status]).toEqual([200, 'inactive']);
      const none = await call('POST', `/users/${user.id}/deactivate`, { token: admin.token });
      expect([none.status, none.body.status]).toEqual([200, 'inactive']);
    });

    it.each(['__proto__', 'constructor', 'foo'])('refuses ?%s= on a list with 400 VALIDATION_FAILED naming it', async (key) => {
      const response = await call('GET', `/products?${key}=x`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: key, message: `${key} is not an accepted field` }] });
      const alongside = await call('GET', `/products?q=cup&${key}=x&limit=5`);
      expect([alongside.status, alongside.body.errors]).toEqual([400, [{ field: key, message: `${key} is not an accepted field` }]]);
    });

    it('answers a body over 1 MiB with 413', async () => {
      const response = await call('POST', '/auth/register', {
        payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('answers a %s body with 415', async (contentType) => {
      const response = await call('POST', '/auth/login', { payload: 'email=a@b.c', headers: { 'content-type': contentType } });
      expect(response.status).toBe(415);
      expect(response.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('answers a URL that cannot be decoded with 400 problem+json, its security headers and request id, counted under the unmatched route', async () => {
      const counted = async () => {
        const metrics = (await call('GET', '/metrics')).body as string;
        const series = metrics
          .split('\n')
          .find((line) => line.startsWith('http_server_request_duration_seconds_count{method="GET",route="unmatched",status_code="400"}'));
        return Number(series?.split(' ')[1] ?? 0);
      };
      const before = await counted();
      for (const url of ['/products/%E0%A4%A', '/users/%ZZ']) {
        const response = await call('GET', url, { headers: { 'x-request-id': 'bad-url-request' } });
        expect(response.status).toBe(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
        expect(response.headers).toMatchObject({
          'x-request-id': 'bad-url-request',
          'content-security-policy': expect.stringMatching(/script-src 'self'/),
          'strict-transport-security': expect.any(String),
          'x-frame-options': 'DENY',
          'x-content-type-options': 'nosniff',
        });
      }
      expect(await counted()).toBe(before + 2);
      expect((await call('GET', '/metrics')).body).not.toMatch(/route="[^"]*%/);
    });

    it('answers an unknown route or a wrong method with 404 problem+json', async () => {
      for (const [method, url] of [
        ['GET', '/nowhere'],
        ['DELETE', '/products'],
      ]) {
        const response = await call(method, url);
        expect(response.status).toBe(404);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body.code).toBe('NOT_FOUND');
      }
    });

    it('answers a failure inside a context with a bare 500 INTERNAL, never its message', async () => {
      const response = await call('GET', `/products/${BROKEN_PRODUCT_ID}`);
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        detail: 'The request could not be completed.',
        code: 'INTERNAL',
      });
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
      const created = await call('POST', '/products', {
        token: admin.token,
        body: { sku: 'TEE-BLK-M', name: 'Black T-shirt', price: { amount: 1999, currency: 'USD' }, stock: 5 },
      });
      expect(created.status).toBe(201);
      productId = created.body.id;
    });

    it('creates products for an admin only, with the documented shape', async () => {
      const product = await call('GET', `/products/${productId}`);
      expect(product.body).toEqual({
        id: productId,
        sku: 'TEE-BLK-M',
        name: 'Black T-shirt',
        description: '',
        price: { amount: 1999, currency: 'USD' },
        stock: 5,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const byCustomer = await call('POST', '/products', {
        token: customer.token,
        body: { sku: 'X', name: 'X', price: { amount: 1, currency: 'USD' }, stock: 1 },
      });
      expect(byCustomer.status).toBe(403);
      const anonymous = await call('POST', '/products', { body: { sku: 'X', name: 'X', price: { amount: 1, currency: 'USD' }, stock: 1 } });
      expect(anonymous.status).toBe(401);
      const duplicate = await call('POST', '/products', {
        token: admin.token,
        body: { sku: 'TEE-BLK-M', name: 'Again', price: { amount: 1, currency: 'USD' }, stock: 1 },
      });
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
      const changed = await call('PATCH', `/products/${productId}`, {
        token: admin.token,
        body: { name: 'Black Tee', price: { amount: 2499, currency: 'USD' } },
      });
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

  describe('orders and payments', () => {
    // A client address of their own, so that these requests do not eat the other tests' rate budget.
    const FROM = '192.0.2.50';
    const send = (method: string, url: string, options: Parameters<typeof call>[2] = {}) => call(method, url, { from: FROM, ...options });
    let bob: { id: string; token: string };
    let cup: ProductView;
    let saucer: ProductView;

    function product(sku: string, amount: number, stock: number): ProductView {
      const now = new Date().toISOString();
      const view: ProductView = {
        id: randomUUID(),
        sku,
        name: sku,
        description: '',
        price: { amount, currency: 'USD' },
        stock,
        createdAt: now,
        updatedAt: now,
      };
      FakeCatalogMessagesController.products.set(view.id, view);
      return view;
    }

    async function placeOrder(token: string, items: { productId: string; quantity: number }[] = [{ productId: cup.id, quantity: 1 }]) {
      const response = await send('POST', '/orders', { token, body: { items } });
      expect(response.status).toBe(201);
      return response.body as OrderView;
    }

    beforeAll(async () => {
      const bobUser = FakeUsersMessagesController.add('bob@example.com', 'bob-password');
      const loggedIn = await send('POST', '/auth/login', { body: { email: 'bob@example.com', password: 'bob-password' } });
      bob = { id: bobUser.id, token: loggedIn.body.accessToken };
      cup = product('CUP', 1250, 1000);
      saucer = product('SAUCER', 500, 1000);
    });

    it('places an order for the signed-in user, priced by the catalog, answering 201 with only the documented fields', async () => {
      const response = await send('POST', '/orders', {
        token: customer.token,
        body: {
          items: [
            { productId: cup.id.toUpperCase(), quantity: 2 },
            { productId: saucer.id, quantity: 1 },
          ],
        },
      });
      expect(response.status).toBe(201);
      expect(FakeOrderingMessagesController.received.get(ORDERING_PATTERNS.PLACE_ORDER)).toEqual({
        userId: customer.id,
        items: [
          { productId: cup.id, quantity: 2 },
          { productId: saucer.id, quantity: 1 },
        ],
      });
      expect(response.body).toEqual({
        id: expect.any(String),
        userId: customer.id,
        status: 'AWAITING_PAYMENT',
        items: [
          {
            productId: cup.id,
            sku: 'CUP',
            name: 'CUP',
            unitPrice: { amount: 1250, currency: 'USD' },
            quantity: 2,
            lineTotal: { amount: 2500, currency: 'USD' },
          },
          {
            productId: saucer.id,
            sku: 'SAUCER',
            name: 'SAUCER',
            unitPrice: { amount: 500, currency: 'USD' },
            quantity: 1,
            lineTotal: { amount: 500, currency: 'USD' },
          },
        ],
        total: { amount: 3000, currency: 'USD' },
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        expiresAt: expect.any(String),
      });
    });

    it.each([
      ['a unit price', { items: [{ productId: randomUUID(), quantity: 1, unitPrice: { amount: 1, currency: 'USD' } }] }, 'items.0.unitPrice'],
      ['a status', { items: [{ productId: randomUUID(), quantity: 1 }], status: 'CONFIRMED' }, 'status'],
      ['a userId', { items: [{ productId: randomUUID(), quantity: 1 }], userId: randomUUID() }, 'userId'],
      ['a total', { items: [{ productId: randomUUID(), quantity: 1 }], total: { amount: 1, currency: 'USD' } }, 'total'],
      ['a quantity of 0', { items: [{ productId: randomUUID(), quantity: 0 }] }, 'items.0.quantity'],
      ['a quantity of 1001', { items: [{ productId: randomUUID(), quantity: 1001 }] }, 'items.0.quantity'],
      ['a fractional quantity', { items: [{ productId: randomUUID(), quantity: 1.5 }] }, 'items.0.quantity'],
      ['a quantity as a string', { items: [{ productId: randomUUID(), quantity: '2' }] }, 'items.0.quantity'],
      ['a malformed product id', { items: [{ productId: 'cup', quantity: 1 }] }, 'items.0.productId'],
      ['no lines', { items: [] }, 'items'],
      ['51 lines', { items: Array.from({ length: 51 }, () => ({ productId: randomUUID(), quantity: 1 })) }, 'items'],
      ['no items', {}, 'items'],
      ['items that are not a list', { items: { productId: randomUUID(), quantity: 1 } }, 'items'],
      ['a line that is not an object', { items: [5] }, 'items'],
      ['a null line', { items: [null] }, 'items'],
    ])('refuses an order with %s (400), without asking ordering', async (_name, body, field) => {
      FakeOrderingMessagesController.received.delete(ORDERING_PATTERNS.PLACE_ORDER);
      const response = await send('POST', '/orders', { token: customer.token, body });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(FakeOrderingMessagesController.received.has(ORDERING_PATTERNS.PLACE_ORDER)).toBe(false);
    });

    it('answers an unknown product with 422 PRODUCT_NOT_FOUND on this route, naming it, and too little stock with 409', async () => {
      const missing = randomUUID();
      const unknown = await send('POST', '/orders', {
        token: customer.token,
        body: {
          items: [
            { productId: cup.id, quantity: 1 },
            { productId: missing, quantity: 1 },
          ],
        },
      });
      expect(unknown.status).toBe(422);
      expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(unknown.body).toEqual({
        type: 'about:blank',
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'No such product',
        code: 'PRODUCT_NOT_FOUND',
        productId: missing,
      });
      const tooMany = await send('POST', '/orders', {
        token: customer.token,
        body: {
          items: [
            { productId: cup.id, quantity: 1000 },
            { productId: cup.id, quantity: 1000 },
          ],
        },
      });
      expect(tooMany.status).toBe(409);
      expect(tooMany.body).toMatchObject({ code: 'INSUFFICIENT_STOCK', productId: cup.id });
    });

    it('passes an Idempotency-Key on as idempotencyKey, and maps what the context answers about it', async () => {
      const key = 'k'.repeat(255);
      await send('POST', '/orders', { token: customer.token, body: { items: [{ productId: cup.id, quantity: 1 }] }, headers: { 'idempotency-key': key } });
      expect(FakeOrderingMessagesController.received.get(ORDERING_PATTERNS.PLACE_ORDER)).toMatchObject({ idempotencyKey: key });
      const reused = await send('POST', '/orders', {
        token: customer.token,
        body: { items: [{ productId: cup.id, quantity: 1 }] },
        headers: { 'idempotency-key': 'used-for-another-body' },
      });
      expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
      const running = await send('POST', '/orders', {
        token: customer.token,
        body: { items: [{ productId: cup.id, quantity: 1 }] },
        headers: { 'idempotency-key': 'still-running' },
      });
      expect([running.status, running.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_IN_USE']);
    });

    it.each([
      ['POST /orders', '/orders', () => ({ items: [{ productId: cup.id, quantity: 1 }] })],
      ['POST /payments', '/payments', () => ({ orderId: randomUUID(), paymentMethod: 'pm_card_visa' })],
    ])('refuses an empty or over-long Idempotency-Key on %s with 400 naming the header', async (_name, url, body) => {
      for (const key of ['', 'k'.repeat(256)]) {
        const response = await send('POST', url, { token: customer.token, body: body(), headers: { 'idempotency-key': key } });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'Idempotency-Key', message: expect.any(String) }] });
      }
    });

    it('shows an order to its owner and an admin, sending who asks, and 404 to anyone else or for a malformed id', async () => {
      const order = await placeOrder(customer.token);
      expect((await send('GET', `/orders/${order.id}`, { token: customer.token })).body).toMatchObject({ id: order.id, status: 'AWAITING_PAYMENT' });
      expect(FakeOrderingMessagesController.received.get(ORDERING_PATTERNS.GET_ORDER)).toEqual({
        orderId: order.id,
        requester: { userId: customer.id, isAdmin: false },
      });
      expect((await send('GET', `/orders/${order.id.toUpperCase()}`, { token: admin.token })).status).toBe(200);
      expect(FakeOrderingMessagesController.received.get(ORDERING_PATTERNS.GET_ORDER)).toEqual({
        orderId: order.id,
        requester: { userId: admin.id, isAdmin: true },
      });
      for (const [token, url] of [
        [bob.token, `/orders/${order.id}`],
        [bob.token, `/orders/${order.id}/history`],
        [admin.token, '/orders/42'],
        [admin.token, '/orders/42/history'],
        [admin.token, '/orders/42/cancel'],
      ]) {
        const response = await send(url.endsWith('cancel') ? 'POST' : 'GET', url, { token });
        expect([url, response.status, response.body.code]).toEqual([url, 404, 'ORDER_NOT_FOUND']);
      }
    });

    it("lists own orders; an admin lists all or one user's; a customer may not name another user", async () => {
      const bobs = await placeOrder(bob.token);
      const own = await send('GET', '/orders?limit=100', { token: bob.token });
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ page: 1, limit: 100, total: 1, items: [{ id: bobs.id, userId: bob.id }] });
      expect(FakeOrderingMessagesController.received.get(ORDERING_PATTERNS.LIST_ORDERS)).toEqual({
        requester: { userId: bob.id, isAdmin: false },
        page: 1,
        limit: 100,
      });
      expect((await send('GET', `/orders?userId=${bob.id}`, { token: bob.token })).body.total).toBe(1);
      const byAdmin = await send('GET', `/orders?userId=${bob.id.toUpperCase()}`, { token: admin.token });
      expect(byAdmin.body.items.map((o: OrderView) => o.id)).toEqual([bobs.id]);
      expect(FakeOrderingMessagesController.received.get(ORDERING_PATTERNS.LIST_ORDERS)).toEqual({
        requester: { userId: admin.id, isAdmin: true },
        page: 1,
        limit: 20,
        userId: bob.id,
      });
      expect((await send('GET', '/orders', { token: admin.token })).body.total).toBeGreaterThan(1);
      const nosy = await send('GET', `/orders?userId=${customer.id}`, { token: bob.token });
      expect([nosy.status, nosy.body.code]).toEqual([403, 'FORBIDDEN']);
      for (const query of ['userId=bob', 'limit=0', 'page=0', 'status=CANCELLED']) {
        const bad = await send('GET', `/orders?${query}`, { token: admin.token });
        expect([query, bad.status, bad.body.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
      }
    });

    it('cancels for the owner (CANCELLED_BY_CUSTOMER) or an admin (CANCELLED_BY_ADMIN), once, and shows the history', async () => {
      const mine = await placeOrder(customer.token);
      const cancelled = await send('POST', `/orders/${mine.id}/cancel`, { token: customer.token });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ id: mine.id, status: 'CANCELLED', cancellationReason: 'CANCELLED_BY_CUSTOMER' });
      const again = await send('POST', `/orders/${mine.id}/cancel`, { token: customer.token });
      expect([again.status, again.body.code]).toEqual([409, 'ORDER_NOT_CANCELLABLE']);
      const bobs = await placeOrder(bob.token);
      expect((await send('POST', `/orders/${bobs.id}/cancel`, { token: customer.token })).status).toBe(404);
      expect((await send('POST', `/orders/${bobs.id}/cancel`, { token: admin.token })).body).toMatchObject({
        status: 'CANCELLED',
        cancellationReason: 'CANCELLED_BY_ADMIN',
      });
      const history = await send('GET', `/orders/${mine.id}/history`, { token: customer.token });
      expect(history.status).toBe(200);
      expect(history.body).toEqual([
        { type: 'OrderPlaced', version: 1, occurredAt: expect.any(String), data: { total: mine.total } },
        { type: 'OrderCancelled', version: 2, occurredAt: expect.any(String), data: { reason: 'CANCELLED_BY_CUSTOMER' } },
      ]);
    });

    it('pays an order with 201 SUCCEEDED, sending the signed-in user, and refuses to pay it again (409)', async () => {
      const order = await placeOrder(customer.token);
      const paid = await send('POST', '/payments', {
        token: customer.token,
        body: { orderId: order.id, paymentMethod: 'pm_card_visa' },
        headers: { 'idempotency-key': 'pay-1' },
      });
      expect(paid.status).toBe(201);
      expect(FakePaymentsMessagesController.received.get(PAYMENTS_PATTERNS.PAY_ORDER)).toEqual({
        orderId: order.id,
        userId: customer.id,
        paymentMethod: 'pm_card_visa',
        idempotencyKey: 'pay-1',
      });
      expect(paid.body).toEqual({
        id: expect.any(String),
        orderId: order.id,
        amount: order.total,
        status: 'SUCCEEDED',
        paymentMethod: 'pm_card_visa',
        createdAt: expect.any(String),
      });
      const again = await send('POST', '/payments', { token: customer.token, body: { orderId: order.id, paymentMethod: 'pm_card_visa' } });
      expect([again.status, again.body.code]).toEqual([409, 'ORDER_NOT_PAYABLE']);
      expect(FakePaymentsMessagesController.received.get(PAYMENTS_PATTERNS.PAY_ORDER)).not.toHaveProperty('idempotencyKey');
      const elsewhere = await send('POST', '/payments', { token: bob.token, body: { orderId: order.id, paymentMethod: 'pm_card_visa' } });
      expect([elsewhere.status, elsewhere.body.code]).toEqual([404, 'ORDER_NOT_FOUND']);
    });

    it('answers a decline with 402 PAYMENT_DECLINED carrying the paymentId, and no other detail of the context', async () => {
      const order = await placeOrder(customer.token);
      const declined = await send('POST', '/payments', { token: customer.token, body: { orderId: order.id, paymentMethod: 'pm_card_chargeDeclined' } });
      expect(declined.status).toBe(402);
      expect(declined.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(declined.body).toEqual({
        type: 'about:blank',
        title: 'Payment Required',
        status: 402,
        detail: 'The card was declined',
        code: 'PAYMENT_DECLINED',
        paymentId: expect.any(String),
      });
      const payment = await send('GET', `/payments/${declined.body.paymentId}`, { token: customer.token });
      expect(payment.body).toEqual({
        id: declined.body.paymentId,
        orderId: order.id,
        amount: order.total,
        status: 'FAILED',
        paymentMethod: 'pm_card_chargeDeclined',
        failureReason: 'card_declined',
        createdAt: expect.any(String),
      });
      expect(FakePaymentsMessagesController.received.get(PAYMENTS_PATTERNS.GET_PAYMENT)).toEqual({
        paymentId: declined.body.paymentId,
        requester: { userId: customer.id, isAdmin: false },
      });
    });

    it('answers a charge ordering could not confirm yet with 503 CONTEXT_UNAVAILABLE naming the payment, and nothing else of the context', async () => {
      const order = await placeOrder(customer.token);
      FakePaymentsMessagesController.leaveNextUnconfirmed = true;

      const unconfirmed = await send('POST', '/payments', { token: customer.token, body: { orderId: order.id, paymentMethod: 'pm_card_visa' } });

      expect(unconfirmed.status).toBe(503);
      expect(unconfirmed.body).toEqual({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: expect.not.stringContaining('orders-7'),
        code: 'CONTEXT_UNAVAILABLE',
        paymentId: expect.any(String),
      });
      const payment = await send('GET', `/payments/${unconfirmed.body.paymentId}`, { token: customer.token });
      expect(payment.body).toMatchObject({ orderId: order.id, status: 'SUCCEEDED' });
    });

    it.each([
      ['an amount', (orderId: string) => ({ orderId, paymentMethod: 'pm_card_visa', amount: { amount: 1, currency: 'USD' } }), 'amount'],
      ['a status', (orderId: string) => ({ orderId, paymentMethod: 'pm_card_visa', status: 'SUCCEEDED' }), 'status'],
      ['a userId', (orderId: string) => ({ orderId, paymentMethod: 'pm_card_visa', userId: randomUUID() }), 'userId'],
      ['a malformed order id', () => ({ orderId: 'order-1', paymentMethod: 'pm_card_visa' }), 'orderId'],
      ['no payment method', (orderId: string) => ({ orderId }), 'paymentMethod'],
      ['an empty payment method', (orderId: string) => ({ orderId, paymentMethod: '' }), 'paymentMethod'],
      ['a payment method that is not a string', (orderId: string) => ({ orderId, paymentMethod: 4242 }), 'paymentMethod'],
    ])('refuses a payment with %s (400)', async (_name, body, field) => {
      const response = await send('POST', '/payments', { token: customer.token, body: body(randomUUID()) });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it("passes a context's refusal of an unknown payment method on as 400", async () => {
      const order = await placeOrder(customer.token);
      const response = await send('POST', '/payments', { token: customer.token, body: { orderId: order.id, paymentMethod: 'pm_card_bitcoin' } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'paymentMethod', message: expect.any(String) }] });
    });

    it("shows a payment to its order's owner and an admin, and 404 PAYMENT_NOT_FOUND to anyone else or for a malformed id", async () => {
      const order = await placeOrder(customer.token);
      const paid = (await send('POST', '/payments', { token: customer.token, body: { orderId: order.id, paymentMethod: 'pm_card_visa' } })).body as PaymentView;
      expect((await send('GET', `/payments/${paid.id}`, { token: customer.token })).body).toEqual(paid);
      expect((await send('GET', `/payments/${paid.id}`, { token: admin.token })).status).toBe(200);
      for (const [token, id] of [
        [bob.token, paid.id],
        [admin.token, randomUUID()],
        [admin.token, 'pay-1'],
      ]) {
        const response = await send('GET', `/payments/${id}`, { token });
        expect([id, response.status, response.body.code]).toEqual([id, 404, 'PAYMENT_NOT_FOUND']);
      }
    });

    it('needs a signed-in user on every route', async () => {
      for (const [method, url] of [
        ['POST', '/orders'],
        ['GET', '/orders'],
        ['GET', `/orders/${randomUUID()}`],
        ['POST', `/orders/${randomUUID()}/cancel`],
        ['GET', `/orders/${randomUUID()}/history`],
        ['POST', '/payments'],
        ['GET', `/payments/${randomUUID()}`],
      ]) {
        const response = await send(method, url, { body: method === 'POST' ? {} : undefined });
        expect([url, response.status]).toEqual([url, 401]);
      }
    });
  });

  describe('headers and documentation', () => {
    it('sends security headers, on a route nobody serves too', async () => {
      const response = await call('GET', '/products');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toMatch(/script-src 'self'/);
      const missing = await call('GET', '/no-such-route');
      expect(missing.status).toBe(404);
      expect(missing.headers['x-frame-options']).toBe('DENY');
    });

    it('tells browsers and proxies to keep no answer that may be personal: a login, a signed-in read, a refusal of either', async () => {
      const personal = [
        await call('POST', '/auth/login', { body: { email: 'ada@example.com', password: 'ada-password' } }),
        await call('POST', '/auth/login', { body: { email: 'ada@example.com', password: 'nope-nope' } }),
        await call('GET', '/users/me', { token: customer.token }),
        await call('GET', '/users/me', { token: 'not-a-token' }),
        await call('GET', '/products', { token: customer.token }),
      ];
      for (const response of personal) expect(response.headers['cache-control']).toBe('no-store');
      expect((await call('GET', '/products')).headers['cache-control']).toBeUndefined();
    });

    it('allows cross-origin calls from the configured origins only', async () => {
      const preflight = (origin: string) =>
        app.inject({
          method: 'OPTIONS',
          url: '/products',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
        });
      expect((await preflight('https://shop.example.com')).headers['access-control-allow-origin']).toBe('https://shop.example.com');
      expect((await preflight('https://evil.example.com')).headers['access-control-allow-origin']).toBeUndefined();
    });

    it('lets an allowed origin use every method of the API and send a trace context, and read the headers answers carry', async () => {
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: `/admin/dead-letters/${randomUUID()}`,
        headers: {
          origin: 'https://shop.example.com',
          'access-control-request-method': 'DELETE',
          'access-control-request-headers': 'authorization,content-type,idempotency-key,x-request-id,traceparent,tracestate',
        },
      });
      expect(preflight.statusCode).toBe(204);
      const allowed = (name: string) => String(preflight.headers[name]).toLowerCase().split(/,\s*/);
      const documented = (await call('GET', '/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
      const methods = new Set(Object.values(documented.paths).flatMap((operations) => Object.keys(operations).map((method) => method.toLowerCase())));
      expect([...methods]).toEqual(expect.arrayContaining(['get', 'post', 'patch', 'delete']));
      expect(allowed('access-control-allow-methods')).toEqual(expect.arrayContaining([...methods]));
      expect(allowed('access-control-allow-headers')).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'traceparent', 'tracestate']),
      );

      const answer = await call('GET', '/products', { headers: { origin: 'https://shop.example.com' }, from: '192.0.2.60' });
      expect(answer.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      const exposed = String(answer.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']));
      for (const name of exposed.filter((header) => header !== 'retry-after' && header !== 'www-authenticate')) {
        expect([name, answer.headers[name]]).toEqual([name, expect.anything()]);
      }
      expect(exposed).not.toContain('location');
    });

    it('serves Swagger UI at /docs and the OpenAPI document of every route at /docs-json', async () => {
      const ui = await call('GET', '/docs');
      expect(ui.status).toBe(200);
      expect(String(ui.headers['content-type'])).toMatch(/text\/html/);
      expect((await app.inject({ method: 'GET', url: '/docs/swagger-ui-bundle.js' })).statusCode).toBe(200);
      const document = (await call('GET', '/docs-json')).body;
      expect(document.openapi).toMatch(/^3\./);
      expect(Object.keys(document.paths)).toEqual(
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
        ]),
      );
      expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(document.paths['/users/me'].get.security).toEqual([{ bearer: [] }]);
      expect(document.paths['/products'].get.security).toBeUndefined();
      expect(document.paths['/products'].post.responses['409'].content['application/problem+json']).toBeDefined();
      expect(document.components.schemas.CreateProductDto.required).toEqual(expect.arrayContaining(['sku', 'name', 'price', 'stock']));
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining(['/orders', '/orders/{id}', '/orders/{id}/cancel', '/orders/{id}/history', '/payments', '/payments/{id}']),
      );
      for (const path of ['/orders', '/payments']) {
        const post = document.paths[path].post;
        expect(post.parameters).toContainEqual(
          expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } }),
        );
        expect(post.responses['201']).toBeDefined();
        expect(post.responses['422'].description).toMatch(/IDEMPOTENCY_KEY_REUSED/);
        expect(post.responses['409'].description).toMatch(/IDEMPOTENCY_KEY_IN_USE/);
      }
      expect(document.paths['/orders'].post.responses['422'].description).toMatch(/PRODUCT_NOT_FOUND/);
      expect(document.paths['/orders'].post.responses['409'].description).toMatch(/INSUFFICIENT_STOCK/);
      expect(document.paths['/payments'].post.responses['402'].content['application/problem+json'].schema.$ref).toMatch(/PaymentDeclinedProblemDto$/);
      expect(document.components.schemas.PaymentDeclinedProblemDto.properties).toHaveProperty('paymentId');
      expect(document.components.schemas.PlaceOrderDto.properties.items).toMatchObject({ minItems: 1, maxItems: 50 });
      const schemas = document.components.schemas;
      expect(schemas.CreateProductDto.properties.stock).toMatchObject({ type: 'integer', minimum: 0, maximum: 1_000_000_000 });
      expect(schemas.StockAdjustmentDto.properties.delta).toMatchObject({ type: 'integer', minimum: -1_000_000_000, maximum: 1_000_000_000 });
      expect(schemas.CreateProductDto.properties.sku).toMatchObject({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });
      expect(schemas.PriceDto.properties.amount).toMatchObject({ minimum: 0, maximum: 2_147_483_647 });
      expect(schemas.MoneyDto.properties.amount).not.toHaveProperty('maximum');
      expect(schemas.RegisterDto.properties.password).toMatchObject({ minLength: 8, maxLength: 128, pattern: expect.stringContaining('\\u0000-\\u001F') });
      expect(document.info.description).toMatch(/32 levels/);
      expect(document.info.description).toMatch(/at most 1000 object members.*A route that documents no body takes none/);
      expect(document.components.schemas.OrderDto.required).not.toContain('cancellationReason');
    });
  });

  describe('rate limits', () => {
    /**
     * Sends until the limit answers, up to `budget` more requests, each otherwise answered `usual`. A sliding window
     * weighs the past minute's requests by how much of it is left: right after a minute's edge, a budget spent across
     * it counts a little under the limit, so the first refusal may come a few requests late, never early.
     */
    async function firstRefusal(send: () => Promise<Awaited<ReturnType<typeof call>>>, usual: number, budget: number) {
      for (let i = 0; i < budget; i += 1) {
        const answer = await send();
        if (answer.status === 429) return answer;
        expect(answer.status).toBe(usual);
      }
      throw new Error(`no 429 within ${budget} requests past the limit`);
    }

    it('limits logins per client IP to LOGIN_RATE_LIMIT_PER_MINUTE, answering 429 RATE_LIMITED with a plain Retry-After', async () => {
      const attempt = (from: string, headers: Record<string, string> = {}) =>
        call('POST', '/auth/login', { body: { email: 'nobody@example.com', password: 'whatever' }, from, headers });
      for (let i = 0; i < 50; i += 1) expect((await attempt('203.0.113.1')).status).toBe(401);
      const limited = await firstRefusal(() => attempt('203.0.113.1', { 'x-forwarded-for': '198.51.100.77' }), 401, 50);
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(limited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // The budget slides: 50 logins made across a minute's edge only fade out during the next minute, so up to two.
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(120);
      expect(limited.headers['retry-after-login']).toBeUndefined();
      expect((await attempt('203.0.113.2')).status).toBe(401);
      expect((await call('GET', '/products', { from: '203.0.113.1' })).status).toBe(200);
    });

    it('limits every client IP to RATE_LIMIT_PER_MINUTE requests across all routes, but never health probes', async () => {
      for (let i = 0; i < 150; i += 1) expect((await call('GET', '/products', { from: '203.0.113.3' })).status).toBe(200);
      for (let i = 0; i < 150; i += 1) expect((await call('GET', '/users/me', { from: '203.0.113.3' })).status).toBe(401);
      const limited = await firstRefusal(() => call('GET', `/products/${randomUUID()}`, { from: '203.0.113.3' }), 404, 300);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await call('GET', '/health/live', { from: '203.0.113.3' })).status).toBe(200);
      expect((await call('GET', '/products', { from: '203.0.113.4' })).status).toBe(200);
    });
  });
});
