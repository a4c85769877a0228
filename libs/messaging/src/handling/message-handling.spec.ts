import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RpcException } from '@nestjs/microservices';
import { SpanStatusCode } from '@opentelemetry/api';
import { DomainError } from '@tessera/shared-kernel';
import { register } from 'prom-client';
import { sample } from '../../../../test/harness/metrics';
import { FakeDeadLetters } from '../testing/fake-dead-letters';
import { recordSpans, type RecordedSpans } from '../testing/recorded-spans';
import { fromWire, toWire } from '../correlation/correlation.envelope';
import { LATE_REQUEST_ALLOWANCE_MS } from './lateness';
import { MessageHandling } from './message-handling';

describe('MessageHandling of an event whose handler fails', () => {
  const pattern = 'ordering.order.cancelled';
  let spans: RecordedSpans;
  let handling: MessageHandling;
  let eventNumber = 0;
  const event = () => ({ eventId: `e0000000-0000-4000-8000-${String(++eventNumber).padStart(12, '0')}`, occurredAt: '2026-12-03T00:00:00.000Z', version: 1 });
  const handlerSeconds = async (outcome: string) =>
    sample(await register.metrics(), 'messaging_handler_duration_seconds_count', { pattern, transport: 'inproc', outcome }) ?? 0;
  const eventsProcessed = async (outcome: string) =>
    sample(await register.metrics(), 'messaging_events_processed_total', { pattern, consumer: 'catalog', outcome }) ?? 0;

  beforeAll(() => (spans = recordSpans()));
  afterAll(() => spans.stop());

  beforeEach(() => {
    const maxAttempts = new ConfigService({ EVENT_MAX_ATTEMPTS: 2 });
    handling = new MessageHandling(new FakeDeadLetters().asDeadLetters(), 'catalog', maxAttempts);
    spans.clear();
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('measures and traces an unexpected failure as an error, on the attempt to come again and on the one that dead-letters it', async () => {
    const [errorsBefore, deadBefore] = [await handlerSeconds('error'), await eventsProcessed('dead-lettered')];
    const failing = () => {
      throw new Error('relation "catalog.inbox" is locked');
    };
    const payload = event();

    await expect(handling.handle(pattern, 'event', payload, failing)).rejects.toMatchObject({ error: { code: 'EVENT_NOT_PROCESSED' } });
    await expect(handling.handle(pattern, 'event', payload, failing)).resolves.toBeUndefined();

    expect(await handlerSeconds('error')).toBe(errorsBefore + 2);
    expect(await eventsProcessed('dead-lettered')).toBe(deadBefore + 1);
    expect(spans.all().map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR]);
    expect(jest.mocked(Logger.prototype.log).mock.calls.map(([line]) => (line as { outcome: string }).outcome)).toEqual([
      'failed: INTERNAL',
      'dead-lettered: INTERNAL',
    ]);
  });

  it("counts a handler's business refusal as refused, and leaves its span's status alone", async () => {
    const refusedBefore = await handlerSeconds('refused');

    await expect(
      handling.handle(pattern, 'event', event(), () => {
        throw new DomainError('RESERVATION_NOT_FOUND', 'no such reservation');
      }),
    ).rejects.toMatchObject({ error: { code: 'EVENT_NOT_PROCESSED' } });

    expect(await handlerSeconds('refused')).toBe(refusedBefore + 1);
    expect(spans.all().map((span) => span.status.code)).toEqual([SpanStatusCode.UNSET]);
  });
});

describe('MessageHandling of a request that arrives long after its sender stopped waiting', () => {
  const handling = new MessageHandling();
  const received = (deadline: number) => fromWire<{ orderId: string }>(toWire({ orderId: 'o-1' }, 'req-late', deadline));

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('does not run it, answers CONTEXT_UNAVAILABLE and says why in the log', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const handler = jest.fn(() => ({ placed: true }));
    const late = received(Date.now() - LATE_REQUEST_ALLOWANCE_MS - 5000);

    const answer = await handling.handle('ordering.place-order', 'message', late, handler).catch((error: unknown) => error);

    expect(handler).not.toHaveBeenCalled();
    expect((answer as RpcException).getError()).toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });
    expect(warned.mock.calls[0][0]).toMatch(/^ordering\.place-order arrived 15 s after its sender's deadline and was not run/);
  });

  it('runs one within its deadline, or late by less than the clocks may differ', async () => {
    for (const deadline of [Date.now() + 5000, Date.now() - LATE_REQUEST_ALLOWANCE_MS + 1000]) {
      expect(await handling.handle('ordering.place-order', 'message', received(deadline), () => ({ placed: true }))).toEqual({ placed: true });
    }
  });

  it('runs an event however late: it has no caller waiting, and is delivered until processed', async () => {
    const handler = jest.fn(() => undefined);
    await handling.handle('ordering.order.cancelled', 'event', received(Date.now() - 3_600_000), handler);
    expect(handler).toHaveBeenCalled();
  });
});

describe('MessageHandling of requests while their database cannot serve', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers CONTEXT_UNAVAILABLE and warns once, without a stack, instead of an unexpected failure for each', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const failed = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const handling = new MessageHandling();
    const diskFull = Object.assign(new Error('could not extend file "base/5/16512": No space left on device'), { code: '53100' });

    for (let request = 0; request < 3; request++) {
      const answer = await handling
        .handle('ordering.place-order', 'message', toWire({ orderId: `o-${request}` }, `req-${request}`), () => Promise.reject(diskFull))
        .catch((error: unknown) => error);
      expect((answer as RpcException).getError()).toMatchObject({ code: 'CONTEXT_UNAVAILABLE' });
    }

    expect(failed).not.toHaveBeenCalled();
    expect(warned.mock.calls).toEqual([
      ['The database unavailable: handling a message failed (ordering.place-order): could not extend file "base/5/16512": No space left on device'],
    ]);
  });
});

describe('MessageHandling of a request', () => {
  const pattern = 'catalog.get-product';
  const handling = new MessageHandling();
  const handled = async (outcome: string) =>
    sample(await register.metrics(), 'messaging_handler_duration_seconds_count', { pattern, transport: 'inproc', outcome }) ?? 0;
  const loggedOutcomes = () => jest.mocked(Logger.prototype.log).mock.calls.map(([line]) => (line as { outcome: string }).outcome);

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('answers what its handler answers, at once or through a promise, and counts and logs it handled', async () => {
    const before = await handled('ok');

    await expect(handling.handle(pattern, 'message', { id: 'p-1' }, () => ({ id: 'p-1' }))).resolves.toEqual({ id: 'p-1' });
    await expect(handling.handle(pattern, 'message', { id: 'p-2' }, async () => ({ id: 'p-2' }))).resolves.toEqual({ id: 'p-2' });

    expect(await handled('ok')).toBe(before + 2);
    expect(loggedOutcomes()).toEqual(['handled', 'handled']);
  });

  it('fails with the error every transport carries back, whether its handler throws or its promise fails', async () => {
    const before = await handled('refused');
    const refusal = () => new DomainError('PRODUCT_NOT_FOUND', 'No such product');
    const throwing = () => {
      throw refusal();
    };
    const failing = async () => {
      throw refusal();
    };

    for (const handler of [throwing, failing]) {
      const failure: unknown = await handling.handle(pattern, 'message', { id: 'p-3' }, handler).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RpcException);
      expect((failure as RpcException).getError()).toMatchObject({ code: 'PRODUCT_NOT_FOUND', message: 'No such product' });
    }

    expect(await handled('refused')).toBe(before + 2);
    expect(loggedOutcomes()).toEqual(['failed: PRODUCT_NOT_FOUND', 'failed: PRODUCT_NOT_FOUND']);
  });
});
