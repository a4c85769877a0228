import { randomUUID } from 'node:crypto';
import { Api, ApiResponse } from '../harness/http';
import { untilPasses } from '../harness/eventually';
import { metricsOf, sample } from '../harness/metrics';
import { ALLOWED_ORIGIN, RunningTopology, startMonolith, TEST_ADMIN } from '../harness/topologies';
import { expectProblem } from './expectations';

/**
 * Input written to break the server rather than to use it, black-box over
 * HTTP against the monolith: every case answers a clear 4xx problem, and the
 * process keeps serving ordinary requests afterwards.
 */
describe('hostile input, against the monolith on the embedded database', () => {
  const DEEP = 3_000;
  const MAX_STOCK = 1_000_000_000;
  let topology: RunningTopology;
  let api: Api;
  let adminToken: string;
  let customer: { email: string; password: string; token: string };
  let product: { id: string; name: string; stock: number; updatedAt: string };

  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

  async function login(email: string, password: string): Promise<ApiResponse> {
    return api.post('/auth/login', { email, password });
  }

  async function registered(password = 'correct horse battery'): Promise<{ email: string; password: string }> {
    const email = `${unique('hostile')}@example.com`;
    const response = await api.post('/auth/register', { email, password, name: 'Ada Lovelace' });
    expect(response.status).toBe(201);
    return { email, password };
  }

  /** The routes that read a JSON body, with the token each needs. */
  function bodyRoutes(): [method: string, path: string, token: string | undefined][] {
    return [
      ['POST', '/auth/register', undefined],
      ['POST', '/auth/login', undefined],
      ['PATCH', '/users/me', customer.token],
      ['POST', '/products', adminToken],
      ['PATCH', `/products/${product.id}`, adminToken],
      ['POST', `/products/${product.id}/stock-adjustments`, adminToken],
      ['POST', '/orders', customer.token],
      ['POST', '/payments', customer.token],
    ];
  }

  function sendRaw(method: string, path: string, raw: string, token?: string): Promise<ApiResponse> {
    return api.request(method, path, undefined, { raw, token });
  }

  /** The process is up and an ordinary request or two still answer as they should. */
  async function expectStillServing(): Promise<void> {
    expect(topology.processes.monolith.running).toBe(true);
    expect((await api.get('/users/me', { token: customer.token })).body).toMatchObject({ email: customer.email, name: 'Ada Lovelace' });
    expect((await api.get(`/products/${product.id}`)).body).toMatchObject({ id: product.id, name: product.name, stock: product.stock });
  }

  beforeAll(async () => {
    // At info, each request leaves a line: the log is known to be complete up to a given request.
    topology = await startMonolith('embedded', { LOG_LEVEL: 'info' });
    api = await new Api(topology.baseUrl).holdingToOpenApi();
    adminToken = (await login(TEST_ADMIN.email, TEST_ADMIN.password)).body.accessToken;
    const { email, password } = await registered();
    customer = { email, password, token: (await login(email, password)).body.accessToken };
    const created = await api.post(
      '/products',
      { sku: unique('HOSTILE'), name: 'Sturdy Kettle', price: { amount: 3000, currency: 'USD' }, stock: 10 },
      { token: adminToken },
    );
    expect(created.status).toBe(201);
    product = created.body;
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 30_000);

  it('refuses JSON nested 3,000 levels deep on every JSON route with 400, again and again, without a stack trace in the log', async () => {
    const monolith = topology.processes.monolith;
    const logBefore = monolith.output().length;
    const deepArrays = `{"items":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`;
    const deepObjects = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;
    for (const [method, path, token] of bodyRoutes()) {
      for (const raw of [deepArrays, deepObjects]) {
        const response = await sendRaw(method, path, raw, token);
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(response.body.detail).toMatch(/nested too deeply/);
        expect(response.body.errors).toEqual([{ field: 'body', message: expect.stringMatching(/32 levels/) }]);
      }
    }
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expectProblem(await sendRaw('POST', '/orders', deepArrays, customer.token), 400, 'VALIDATION_FAILED');
    }
    await expectStillServing();
    // The log is read once the line of a request sent after the hostile ones is in it, so theirs are in it too.
    const marker = unique('after-hostile');
    await api.get(`/products/${product.id}`, { headers: { 'x-request-id': marker } });
    await untilPasses(() => expect(monolith.output().slice(logBefore)).toContain(marker), 30_000);
    expect(monolith.output().slice(logBefore)).not.toMatch(/Maximum call stack|RangeError|"trace"|"stack"|\n\s+at \S+ \(/);
  });

  it('passes a body nested 32 levels deep on to validation, and refuses one nested 33', async () => {
    // The body is level 1 and price level 2: `levels - 2` arrays inside price make up the rest.
    const productNested = (levels: number) =>
      `{"sku":"${unique('DEEP')}","name":"Deep","stock":1,"price":{"amount":1,"currency":"USD","x":${'['.repeat(levels - 2)}${']'.repeat(levels - 2)}}}`;
    const at32 = await sendRaw('POST', '/products', productNested(32), adminToken);
    expectProblem(at32, 400, 'VALIDATION_FAILED');
    expect(at32.body.errors).toEqual([{ field: 'price.x', message: 'price.x is not an accepted field' }]);
    const at33 = await sendRaw('POST', '/products', productNested(33), adminToken);
    expectProblem(at33, 400, 'VALIDATION_FAILED');
    expect(at33.body.errors).toEqual([{ field: 'body', message: expect.stringMatching(/nested too deeply/) }]);
    await expectStillServing();
  });

  it('refuses a body of 80,000 unknown members, or an order of 300,000 empty lines, on every JSON route with a short 400', async () => {
    const unknownMembers = `{${Array.from({ length: 80_000 }, (_, index) => `"k${index}":1`).join(',')}}`;
    const manyLines = `{"items":[${Array.from({ length: 300_000 }, () => '{}').join(',')}]}`;
    for (const raw of [unknownMembers, manyLines]) expect(raw.length).toBeLessThan(1024 * 1024);
    for (const [method, path, token] of bodyRoutes()) {
      for (const raw of [unknownMembers, manyLines]) {
        const response = await sendRaw(method, path, raw, token);
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(response.body.errors).toEqual([{ field: 'body', message: expect.stringMatching(/too many members: at most 1000 /) }]);
      }
    }
    await expectStillServing();
  });

  it('lists the first 20 problems of a body that fails many rules, and counts the rest', async () => {
    const raw = `{${Array.from({ length: 900 }, (_, index) => `"k${index}":1`).join(',')}}`;
    const response = await sendRaw('POST', '/auth/register', raw, undefined);
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toHaveLength(20);
    expect(response.body.detail).toMatch(/; and \d+ more problems not listed$/);
    await expectStillServing();
  });

  it('refuses a null body on PATCH /users/me with 400, changing nothing', async () => {
    const response = await sendRaw('PATCH', '/users/me', 'null', customer.token);
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toEqual([{ field: 'body', message: 'body must be a JSON object, not null' }]);
    await expectStillServing();
  });

  it('refuses a null body on PATCH /products/:id with 400, changing nothing', async () => {
    const response = await sendRaw('PATCH', `/products/${product.id}`, 'null', adminToken);
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toEqual([{ field: 'body', message: 'body must be a JSON object, not null' }]);
    expect((await api.get(`/products/${product.id}`)).body.updatedAt).toBe(product.updatedAt);
    await expectStillServing();
  });

  it('refuses null, a number, a string, a boolean and an array as the body of every route that takes an object', async () => {
    for (const [method, path, token] of bodyRoutes()) {
      for (const raw of ['null', '42', '"text"', 'true', '[]', '[{"name":"Ada"}]']) {
        const response = await sendRaw(method, path, raw, token);
        expect({ route: `${method} ${path}`, raw, status: response.status, code: response.body.code }).toEqual({
          route: `${method} ${path}`,
          raw,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(response.body.errors).toEqual([{ field: 'body', message: expect.stringMatching(/^body must be a JSON object, not /) }]);
      }
    }
    await expectStillServing();
  });

  it('refuses to register a password with trailing NULs, naming the field, and keeps nothing of it', async () => {
    const email = `${unique('nul')}@example.com`;
    for (const password of ['correct horse battery\u0000', 'correct horse battery\u0000\u0000\u0000']) {
      const response = await api.post('/auth/register', { email, password, name: 'Nul' });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors).toEqual([{ field: 'password', message: 'password must not contain control characters' }]);
    }
    expect((await api.post('/auth/register', { email, password: 'correct horse battery', name: 'Nul' })).status).toBe(201);
    await expectStillServing();
  });

  it('refuses a dead-letter filter with a NUL or another control character, naming the field', async () => {
    for (const pattern of ['a\u0000', 'ordering.order.cancelled\u0000', 'ordering\u001b.order']) {
      const response = await api.get(`/admin/dead-letters?pattern=${encodeURIComponent(pattern)}`, { token: adminToken });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors).toEqual([{ field: 'pattern', message: 'pattern must not contain control characters' }]);
    }
    expect((await api.get('/admin/dead-letters?pattern=ordering.order.cancelled', { token: adminToken })).status).toBe(200);
    await expectStillServing();
  });

  it('refuses to register a password with any other control character, naming the field', async () => {
    for (const password of [
      'correct\thorse battery',
      'correct horse\nbattery',
      'correct \u001b[31mhorse',
      'correct horse\u007f',
      'correct horse\u0085battery',
      'correct horse\u009f',
    ]) {
      const response = await api.post('/auth/register', { email: `${unique('ctl')}@example.com`, password, name: 'Control' });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors).toEqual([{ field: 'password', message: 'password must not contain control characters' }]);
    }
    await expectStillServing();
  });

  it('answers a login with the right password plus trailing NULs with 401 INVALID_CREDENTIALS, never a token', async () => {
    const { email, password } = await registered('correct horse battery staple');
    for (const padded of [`${password}\u0000`, `${password}\u0000\u0000\u0000\u0000`]) {
      expectProblem(await login(email, padded), 401, 'INVALID_CREDENTIALS');
    }
    expect((await login(email, password)).status).toBe(200);
    await expectStillServing();
  });

  it('refuses a lone surrogate in a registration with 400 naming the field, storing nothing', async () => {
    const email = `${unique('surrogate')}@example.com`;
    const response = await sendRaw('POST', '/auth/register', `{"email":"${email}","password":"correct horse battery","name":"Ada \\ud800"}`);
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toEqual([{ field: 'name', message: expect.stringMatching(/lone UTF-16 surrogate/) }]);
    expect((await api.post('/auth/register', { email, password: 'correct horse battery', name: 'Ada' })).status).toBe(201);
    await expectStillServing();
  });

  it('refuses a lone surrogate in any string field of any route, naming the field', async () => {
    const cases: [method: string, path: string, raw: string, token: string | undefined, field: string][] = [
      ['PATCH', '/users/me', '{"name":"\\udc00 Lovelace"}', customer.token, 'name'],
      ['POST', '/auth/login', `{"email":"${customer.email}","password":"\\ud83d"}`, undefined, 'password'],
      ['PATCH', `/products/${product.id}`, '{"name":"Kettle \\ud800\\ud800"}', adminToken, 'name'],
      ['POST', '/products', `{"sku":"${unique('S')}","name":"Cup","stock":1,"price":{"amount":1,"currency":"US\\udfff"}}`, adminToken, 'price.currency'],
      ['POST', '/orders', `{"items":[{"productId":"${product.id}","quantity":1},{"productId":"\\ud800","quantity":1}]}`, customer.token, 'items.1.productId'],
      ['POST', '/payments', `{"orderId":"${randomUUID()}","paymentMethod":"pm_card_visa\\ud800"}`, customer.token, 'paymentMethod'],
    ];
    for (const [method, path, raw, token, field] of cases) {
      const response = await sendRaw(method, path, raw, token);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect({ route: `${method} ${path}`, errors: response.body.errors }).toEqual({
        route: `${method} ${path}`,
        errors: [{ field, message: expect.stringMatching(/lone UTF-16 surrogate/) }],
      });
    }
    await expectStillServing();
  });

  it('refuses a body that is not valid UTF-8 with 400 MALFORMED_JSON rather than replacing what was sent', async () => {
    const email = `${unique('bytes')}@example.com`;
    // ED A0 80 would be U+D800 in UTF-8, which UTF-8 does not allow.
    const body = Buffer.concat([
      Buffer.from(`{"email":"${email}","password":"correct horse battery","name":"Ada `),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    const sent = await fetch(`${topology.baseUrl}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const response: ApiResponse = { status: sent.status, headers: sent.headers, body: JSON.parse(await sent.text()) };
    expectProblem(response, 400, 'MALFORMED_JSON');
    expect(response.body.detail).toMatch(/UTF-8/);
    expect((await api.post('/auth/register', { email, password: 'correct horse battery', name: 'Ada' })).status).toBe(201);
    await expectStillServing();
  });

  it('keeps answering malformed JSON with 400 MALFORMED_JSON and a body over 1 MiB with 413', async () => {
    expectProblem(await sendRaw('POST', '/products', '{"sku": "A", ', adminToken), 400, 'MALFORMED_JSON');
    expectProblem(await api.postDeclaringLength('/products', 1024 * 1024 + 1), 413, 'PAYLOAD_TOO_LARGE');
    await expectStillServing();
  });

  it('refuses a body on every route that takes none with 400 naming its fields, doing nothing, and takes no body or {}', async () => {
    const teapot = await api.post(
      '/products',
      { sku: unique('BODYLESS'), name: 'Teapot', price: { amount: 2500, currency: 'USD' }, stock: 5 },
      { token: adminToken },
    );
    const order = await api.post('/orders', { items: [{ productId: teapot.body.id, quantity: 1 }] }, { token: customer.token });
    expect(order.status).toBe(201);
    const leaving = await registered();
    const leavingId = (await api.get('/users/me', { token: (await login(leaving.email, leaving.password)).body.accessToken })).body.id;
    const bodyless: [method: string, path: string, token: string][] = [
      ['POST', `/orders/${order.body.id}/cancel`, customer.token],
      ['POST', `/users/${leavingId}/deactivate`, adminToken],
      ['POST', `/admin/dead-letters/${randomUUID()}/replay`, adminToken],
      ['DELETE', `/admin/dead-letters/${randomUUID()}`, adminToken],
    ];
    for (const [method, path, token] of bodyless) {
      const fields = await sendRaw(method, path, '{"reason":"x"}', token);
      expectProblem(fields, 400, 'VALIDATION_FAILED');
      expect({ route: `${method} ${path}`, errors: fields.body.errors }).toEqual({
        route: `${method} ${path}`,
        errors: [{ field: 'reason', message: 'reason is not an accepted field' }],
      });
      const notAnObject = await sendRaw(method, path, '[]', token);
      expectProblem(notAnObject, 400, 'VALIDATION_FAILED');
      expect(notAnObject.body.errors).toEqual([{ field: 'body', message: expect.stringMatching(/^body is not accepted/) }]);
    }
    expect((await api.get(`/orders/${order.body.id}`, { token: customer.token })).body.status).toBe('AWAITING_PAYMENT');
    expect((await login(leaving.email, leaving.password)).status).toBe(200);

    const cancelled = await sendRaw('POST', `/orders/${order.body.id}/cancel`, '{}', customer.token);
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
    const deactivated = await api.post(`/users/${leavingId}/deactivate`, undefined, { token: adminToken });
    expect([deactivated.status, deactivated.body.status]).toEqual([200, 'inactive']);
    await expectStillServing();
  });

  it('takes an empty body as no body whatever Content-Type it names, and refuses a compressed one with 415', async () => {
    const unknownLetter = `/admin/dead-letters/${randomUUID()}/replay`;
    for (const contentType of ['application/x-www-form-urlencoded', 'application/json', 'text/plain']) {
      const empty = await api.request('POST', unknownLetter, undefined, { raw: '', token: adminToken, headers: { 'content-type': contentType } });
      expect({ contentType, answer: [empty.status, empty.body.code] }).toEqual({ contentType, answer: [404, 'DEAD_LETTER_NOT_FOUND'] });
    }
    expectProblem(await api.request('POST', '/auth/register', undefined, { raw: '' }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await api.request('POST', '/auth/login', undefined, { raw: 'hello', headers: { 'content-type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );

    const compressed = await api.request('POST', '/auth/login', undefined, {
      raw: JSON.stringify({ email: customer.email, password: customer.password }),
      headers: { 'content-encoding': 'gzip' },
    });
    expectProblem(compressed, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(compressed.body.detail).toMatch(/Content-Encoding gzip/);
  });

  it('refuses ?__proto__= and ?constructor= on a list as it refuses any unknown parameter, naming it', async () => {
    for (const key of ['__proto__', 'constructor', 'foo']) {
      const response = await api.get(`/products?${key}=x`);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors).toEqual([{ field: key, message: `${key} is not an accepted field` }]);
    }
    await expectStillServing();
  });

  it('answers a URL that cannot be decoded with 400, the security headers and X-Request-Id, and counts it under the unmatched route', async () => {
    const unmatched = { method: 'GET', route: 'unmatched', status_code: '400' };
    const before = sample(await metricsOf(topology.processes.monolith.port), 'http_server_request_duration_seconds_count', unmatched) ?? 0;
    const response = await api.get('/users/%ZZ', { headers: { 'x-request-id': 'hostile-bad-url' } });
    expectProblem(response, 400, 'BAD_REQUEST');
    expect(response.headers.get('x-request-id')).toBe('hostile-bad-url');
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const after = await metricsOf(topology.processes.monolith.port);
    expect(sample(after, 'http_server_request_duration_seconds_count', unmatched)).toBe(before + 1);
    expect(after).not.toMatch(/route="[^"]*%ZZ/);
    await expectStillServing();
  });

  it("lets the allowed origin's admin page discard a dead letter with a trace context, and no other origin", async () => {
    const preflight = (origin: string) =>
      fetch(`${topology.baseUrl}/admin/dead-letters/${randomUUID()}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization,traceparent,tracestate' },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-methods')?.split(/,\s*/)).toContain('DELETE');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/)).toEqual(
      expect.arrayContaining(['authorization', 'traceparent', 'tracestate']),
    );
    expect((await preflight('https://elsewhere.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('documents the stock and delta limits the server enforces, 1,000,000,000, and enforces exactly those', async () => {
    const schemas = (await api.get('/docs-json')).body.components.schemas;
    expect(schemas.CreateProductDto.properties.stock).toMatchObject({ type: 'integer', minimum: 0, maximum: MAX_STOCK });
    expect(schemas.StockAdjustmentDto.properties.delta).toMatchObject({ type: 'integer', minimum: -MAX_STOCK, maximum: MAX_STOCK });
    const create = (stock: number) =>
      api.post('/products', { sku: unique('MAX'), name: 'Bulk', price: { amount: 1, currency: 'USD' }, stock }, { token: adminToken });
    const tooMuch = await create(MAX_STOCK + 1);
    expectProblem(tooMuch, 400, 'VALIDATION_FAILED');
    expect(tooMuch.body.errors.map((e: { field: string }) => e.field)).toEqual(['stock']);
    const full = await create(MAX_STOCK);
    expect(full.status).toBe(201);
    const adjust = (delta: number) => api.post(`/products/${full.body.id}/stock-adjustments`, { delta }, { token: adminToken });
    for (const delta of [MAX_STOCK + 1, -(MAX_STOCK + 1), 2_147_483_647, 1]) {
      const response = await adjust(delta);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(['delta']);
    }
    expect((await adjust(-MAX_STOCK)).body.stock).toBe(0);
    expect((await adjust(MAX_STOCK)).body.stock).toBe(MAX_STOCK);
    await expectStillServing();
  });
});
