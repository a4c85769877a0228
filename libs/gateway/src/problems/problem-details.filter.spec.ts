import { ArgumentsHost, BadRequestException, ForbiddenException, HttpException, Logger, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { ERROR_CODES } from '@tessera/contracts';
import { RemoteError } from '@tessera/messaging';
import { lastValueFrom, Observable } from 'rxjs';
import { PROBLEM_STATUS } from './problem-codes';
import { ProblemDetailsFilter } from './problem-details.filter';
import { mapToProblem } from './problem.mapper';
import { ProblemException } from './problem.exception';

describe('mapToProblem', () => {
  it.each([
    ['VALIDATION_FAILED', 400],
    ['INVALID_CREDENTIALS', 401],
    ['USER_NOT_FOUND', 404],
    ['PRODUCT_NOT_FOUND', 404],
    ['EMAIL_TAKEN', 409],
    ['SKU_TAKEN', 409],
    ['INSUFFICIENT_STOCK', 409],
    ['CONCURRENT_MODIFICATION', 409],
    ['ORDER_NOT_FOUND', 404],
    ['ORDER_NOT_CANCELLABLE', 409],
    ['ORDER_NOT_PAYABLE', 409],
    ['RESERVATION_NOT_FOUND', 409],
    ['PAYMENT_DECLINED', 402],
    ['PAYMENT_NOT_FOUND', 404],
    ['IDEMPOTENCY_KEY_REUSED', 422],
    ['IDEMPOTENCY_KEY_IN_USE', 409],
  ])('answers a context error %s with status %i, its code and its message', (code, status) => {
    const { problem, log } = mapToProblem(new RemoteError(code, 'what the context said'));
    expect(problem).toEqual({ type: 'about:blank', title: expect.any(String), status, detail: 'what the context said', code });
    expect(log).toBeUndefined();
  });

  it('maps every context code of the contracts', () => {
    for (const code of Object.values(ERROR_CODES)) expect(PROBLEM_STATUS[code]).toBeDefined();
  });

  it("keeps a context's details out of the problem unless a route passes them on", () => {
    const declined = new RemoteError(ERROR_CODES.PAYMENT_DECLINED, 'The card was declined', undefined, {
      paymentId: 'p-1',
      providerTrace: 'ch_3Nx',
      raw: { a: 1 },
    });
    expect(mapToProblem(declined).problem).not.toHaveProperty('paymentId');
    const { problem } = mapToProblem(ProblemException.fromRemote(declined, { passDetails: ['paymentId', 'raw', 'absent'] }));
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Payment Required',
      status: 402,
      detail: 'The card was declined',
      code: 'PAYMENT_DECLINED',
      paymentId: 'p-1',
    });
  });

  it('lets a route give a code another status, keeping its code, message and passed details', () => {
    const missing = new RemoteError(ERROR_CODES.PRODUCT_NOT_FOUND, 'No such product', undefined, { productId: 'p-9' });
    const { problem } = mapToProblem(ProblemException.fromRemote(missing, { status: 422, passDetails: ['productId'] }));
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'No such product',
      code: 'PRODUCT_NOT_FOUND',
      productId: 'p-9',
    });
  });

  it('never lets a passed detail overwrite a member of the problem itself', () => {
    const sneaky = new RemoteError(ERROR_CODES.ORDER_NOT_PAYABLE, 'Paid already', undefined, { status: 200, code: 'OK' });
    const { problem } = mapToProblem(ProblemException.fromRemote(sneaky, { passDetails: ['status', 'code'] }));
    expect(problem).toMatchObject({ status: 409, code: 'ORDER_NOT_PAYABLE' });
  });

  it('tells a client when to ask again about an idempotency key still being resolved, as Retry-After and in the body', () => {
    const mapped = mapToProblem(new RemoteError('IDEMPOTENCY_KEY_IN_USE', 'still being resolved', undefined, { retryAfterSeconds: 2 }));
    expect(mapped.problem).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_IN_USE', retryAfterSeconds: 2 });
    expect(mapped.headers).toEqual({ 'Retry-After': '2' });
    expect(mapToProblem(new RemoteError('IDEMPOTENCY_KEY_IN_USE', 'in use')).headers).toBeUndefined();
  });

  it("passes a context's field problems of a validation failure on, each message beginning with its field as the gateway's own do", () => {
    const errors = [
      { field: 'price.amount', message: 'must be an integer number of minor units' },
      { field: 'name', message: 'must not contain control characters' },
    ];
    const failure = new RemoteError(
      ERROR_CODES.VALIDATION_FAILED,
      'price.amount: must be an integer number of minor units; name: must not contain control characters',
      errors,
    );
    const worded = {
      status: 400,
      title: 'Bad Request',
      code: 'VALIDATION_FAILED',
      detail: 'price.amount must be an integer number of minor units; name must not contain control characters',
      errors: [
        { field: 'price.amount', message: 'price.amount must be an integer number of minor units' },
        { field: 'name', message: 'name must not contain control characters' },
      ],
    };
    expect(mapToProblem(failure).problem).toMatchObject(worded);
    expect(mapToProblem(ProblemException.fromRemote(failure)).problem).toMatchObject(worded);
  });

  it.each([
    [ERROR_CODES.CONTEXT_UNAVAILABLE, 503],
    [ERROR_CODES.NO_HANDLER, 503],
    [ERROR_CODES.INTERNAL, 500],
  ])('hides the message of a server-side failure %s (%i) and logs it instead', (code, status) => {
    const { problem, log } = mapToProblem(new RemoteError(code, 'users did not answer users.get-user within 5000 ms at 10.0.0.7'));
    expect(problem).toMatchObject({ status, code });
    expect(problem.detail).not.toMatch(/users\.get-user|10\.0\.0\.7/);
    expect(log?.message).toMatch(/10\.0\.0\.7/);
  });

  it('sends the detail of a server-side problem that the gateway wrote for clients, and no other', () => {
    const written = new ProblemException(ERROR_CODES.CONTEXT_UNAVAILABLE, 'ordering did not answer; list the others with ?context=users', {
      detailWrittenForClients: true,
    });
    expect(mapToProblem(written).problem).toMatchObject({ status: 503, detail: 'ordering did not answer; list the others with ?context=users' });
    expect(mapToProblem(written).headers).toEqual({ 'Retry-After': '2' });
    const remote = ProblemException.fromRemote(new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'catalog at 10.0.0.7 did not answer'));
    expect(mapToProblem(remote).problem.detail).not.toMatch(/10\.0\.0\.7/);
  });

  it('asks the client to come back shortly when a context is unavailable, with Retry-After, and only then', () => {
    expect(mapToProblem(new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'catalog is unavailable')).headers).toEqual({ 'Retry-After': '2' });
    expect(mapToProblem(new RemoteError(ERROR_CODES.NO_HANDLER, 'nobody serves it')).headers).toBeUndefined();
    expect(mapToProblem(new RemoteError(ERROR_CODES.INTERNAL, 'broken')).headers).toBeUndefined();
  });

  it('answers an unexpected error with a bare 500 INTERNAL: no message, stack or SQL', () => {
    const error = new Error('duplicate key value violates unique constraint "users_email_key"');
    const { problem, log } = mapToProblem(error);
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'The request could not be completed.',
      code: 'INTERNAL',
    });
    expect(JSON.stringify(problem)).not.toMatch(/duplicate|users_email_key|at /);
    expect(log).toMatchObject({ level: 'error', stack: error.stack });
  });

  it('answers a code the table does not know with 500 rather than guessing', () => {
    const { problem, log } = mapToProblem(new RemoteError('SOMETHING_NEW', 'details'));
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(log?.message).toMatch(/SOMETHING_NEW/);
  });

  it.each([
    ['NotFoundException', new NotFoundException('Cannot GET /nowhere'), 404, 'NOT_FOUND', 'Cannot GET /nowhere'],
    ['ForbiddenException', new ForbiddenException(), 403, 'FORBIDDEN', 'Forbidden'],
    ['PayloadTooLargeException', new PayloadTooLargeException('Request body is too large'), 413, 'PAYLOAD_TOO_LARGE', expect.stringMatching(/larger than/)],
    ['HttpException 415', new HttpException('Unsupported Media Type: text/plain', 415), 415, 'UNSUPPORTED_MEDIA_TYPE', expect.stringMatching(/must be JSON/)],
    ['ThrottlerException', new ThrottlerException(), 429, 'RATE_LIMITED', expect.any(String)],
    [
      'BadRequestException with messages',
      new BadRequestException(['a must be a string', 'b must be a number']),
      400,
      'BAD_REQUEST',
      'a must be a string; b must be a number',
    ],
  ])('gives Nest HTTP exceptions a code: %s', (_name, exception, status, code, detail) => {
    expect(mapToProblem(exception).problem).toMatchObject({ status, code, detail });
  });

  it('keeps a ProblemException as raised, with a status override and extension members', () => {
    const exception = new ProblemException('PAYMENT_DECLINED', 'The card was declined', { status: 402, extensions: { paymentId: 'p-1' } });
    expect(mapToProblem(exception).problem).toEqual({
      type: 'about:blank',
      title: 'Payment Required',
      status: 402,
      detail: 'The card was declined',
      code: 'PAYMENT_DECLINED',
      paymentId: 'p-1',
    });
  });

  it('lets a route re-raise a context code with its own status', () => {
    const exception = ProblemException.fromRemote(new RemoteError('PRODUCT_NOT_FOUND', 'No product 42'), { status: 422 });
    expect(mapToProblem(exception).problem).toMatchObject({ status: 422, code: 'PRODUCT_NOT_FOUND', detail: 'No product 42' });
  });

  it('turns a body parser error that carries a 4xx status into a problem of that status', () => {
    const malformed = Object.assign(new SyntaxError('Unexpected token } in JSON at position 9'), { statusCode: 400 });
    expect(mapToProblem(malformed).problem).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    expect(mapToProblem(tooLarge).problem).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const denied = Object.assign(new Error("EACCES: permission denied, open '/srv/app/.env'"), { statusCode: 403 });
    expect(mapToProblem(denied).problem).toMatchObject({ status: 403, code: 'FORBIDDEN', detail: 'Forbidden' });
  });
});

describe('ProblemDetailsFilter', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  function httpHost() {
    const sent: { status?: number; headers: Record<string, string>; body?: string } = { headers: {} };
    const reply = {
      sent: false,
      code(status: number) {
        sent.status = status;
        return reply;
      },
      header(name: string, value: string) {
        sent.headers[name.toLowerCase()] = value;
        return reply;
      },
      headers(values: Record<string, string>) {
        for (const [name, value] of Object.entries(values)) reply.header(name, value);
        return reply;
      },
      send(body: string) {
        sent.body = body;
        return reply;
      },
    };
    const request = { method: 'GET', url: '/products/x', routeOptions: { url: '/products/:id' }, id: 'req-1' };
    const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => reply, getRequest: () => request }) } as unknown as ArgumentsHost;
    return { host, sent };
  }

  it('answers application/problem+json with the mapped status', () => {
    const { host, sent } = httpHost();
    new ProblemDetailsFilter().catch(new RemoteError('INSUFFICIENT_STOCK', 'Only 2 left'), host);
    expect(sent.status).toBe(409);
    expect(sent.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(sent.body!)).toEqual({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'Only 2 left', code: 'INSUFFICIENT_STOCK' });
  });

  it('logs a context away once a minute, however many requests it fails, with how many it failed', () => {
    jest.useFakeTimers();
    const warnings: string[] = [];
    Logger.overrideLogger({ log: () => {}, error: () => {}, warn: (message: string) => warnings.push(message), debug: () => {}, verbose: () => {} });
    try {
      const filter = new ProblemDetailsFilter();
      const away = () => new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'catalog did not answer within 5000 ms');
      for (let request = 0; request < 200; request++) filter.catch(away(), httpHost().host);
      filter.catch(new RemoteError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'payments did not answer within 5000 ms'), httpHost().host);

      expect(warnings).toEqual([
        'A request failed (GET /products/:id, request req-1): CONTEXT_UNAVAILABLE: catalog did not answer within 5000 ms',
        'A request failed (GET /products/:id, request req-1): CONTEXT_UNAVAILABLE: payments did not answer within 5000 ms',
      ]);
      jest.advanceTimersByTime(60_000);
      expect(warnings.slice(2)).toEqual([
        'A request failed 199 more times in the last 60 s, the last (GET /products/:id, request req-1): CONTEXT_UNAVAILABLE: catalog did not answer within 5000 ms',
      ]);
    } finally {
      Logger.overrideLogger(false);
      jest.useRealTimers();
    }
  });

  it('leaves errors of message handlers in the wire shape of the messaging layer', async () => {
    const host = { getType: () => 'rpc', switchToRpc: () => ({ getContext: () => ({ getPattern: () => 'users.get-user' }) }) } as unknown as ArgumentsHost;
    const result = new ProblemDetailsFilter().catch(new Error('boom'), host) as Observable<never>;
    await expect(lastValueFrom(result)).rejects.toEqual({ code: 'INTERNAL', message: 'The request could not be completed' });
  });
});
