import { Logger } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { CATALOG_PATTERNS, ERROR_CODES } from '@tessera/contracts';
import { connect as connectAmqp } from 'amqplib';
import { NEVER, Observable, of, throwError } from 'rxjs';
import { TEST_RABBITMQ_URL, testNamespace } from '../../../test/harness/brokers';
import { untilPasses } from '../../../test/harness/eventually';
import { describeWith } from '../../../test/harness/services';
import { TcpProxy } from '../../../test/harness/tcp-proxy';
import { ContextClient } from './context-client';
import { RemoteError } from './errors/remote.error';
import { wasNeverDelivered } from './resilience/context-unreachable.error';

type Answer = () => Observable<unknown>;

const refused: Answer = () => throwError(() => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4002'), { code: 'ECONNREFUSED' }));
const connectionClosed: Answer = () => throwError(() => new Error('Connection closed'));
const noResponders: Answer = () => throwError(() => new Error('Empty response. There are no subscribers listening to that message ("catalog.get-product")'));
// amqplib's, through Nest's RabbitMQ client, for a request the broker had not confirmed when the connection closed.
const rabbitChannelClosed: Answer = () => throwError(() => new Error('channel closed'));
const hangs: Answer = () => NEVER;
const replies =
  (value: unknown): Answer =>
  () =>
    of(value);
const answersError =
  (code: string, message: string): Answer =>
  () =>
    throwError(() => ({ code, message }));

/** A transport that answers from a script, the last answer repeating, and remembers what it was sent. */
class ScriptedProxy {
  readonly sent: string[] = [];
  private answers: Answer[] = [];

  answer(...answers: Answer[]): this {
    this.answers = answers;
    return this;
  }

  send(pattern: string): Observable<unknown> {
    this.sent.push(pattern);
    const next = this.answers.length > 1 ? this.answers.shift()! : this.answers[0];
    return next();
  }

  close(): void {}
}

const TIMEOUT_MS = 1000;
const HALF_OPEN_AFTER_MS = 3000;
const QUERY = CATALOG_PATTERNS.GET_PRODUCT;
const COMMAND = CATALOG_PATTERNS.RESERVE_STOCK;

/** The outcome of a send once it settles: the reply, or the error it failed with. */
function outcomeOf(promise: Promise<unknown>): Promise<{ reply?: unknown; error?: RemoteError }> {
  return promise.then(
    (reply) => ({ reply }),
    (error: RemoteError) => ({ error }),
  );
}

describe('ContextClient resilience', () => {
  let proxy: ScriptedProxy;
  let client: ContextClient;
  let warn: jest.SpyInstance;
  let info: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    info = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    proxy = new ScriptedProxy();
    client = new ContextClient('catalog', proxy as unknown as ClientProxy, TIMEOUT_MS, { breakAfterFailures: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS });
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** Sends and lets the fake clock run long enough for every try, pause and timeout of the request. */
  async function sendAndWait(pattern: string, answers?: Answer[]): Promise<{ reply?: unknown; error?: RemoteError }> {
    if (answers) proxy.answer(...answers);
    const outcome = outcomeOf(client.send(pattern, { productId: 'p-1' }));
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS * 2);
    return outcome;
  }

  async function openTheCircuit(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      expect((await sendAndWait(COMMAND, [refused])).error?.code).toBe(ERROR_CODES.CONTEXT_UNAVAILABLE);
    }
  }

  it('tries a query again when the context could not be reached, and answers once it can', async () => {
    expect(await sendAndWait(QUERY, [refused, replies({ id: 'p-1' })])).toEqual({ reply: { id: 'p-1' } });
    expect(proxy.sent).toEqual([QUERY, QUERY]);

    expect(await sendAndWait(QUERY, [connectionClosed, noResponders, replies({ id: 'p-2' })])).toEqual({ reply: { id: 'p-2' } });
    expect(proxy.sent).toHaveLength(5);

    expect(await sendAndWait(QUERY, [rabbitChannelClosed, replies({ id: 'p-3' })])).toEqual({ reply: { id: 'p-3' } });
    expect(proxy.sent).toHaveLength(7);
  });

  it('gives up on a query after three tries, with CONTEXT_UNAVAILABLE', async () => {
    const { error } = await sendAndWait(QUERY, [refused]);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE, message: 'catalog is unavailable' });
    expect(proxy.sent).toHaveLength(3);
  });

  it('keeps a query that times out within its timeout and a little more, instead of waiting once per try', async () => {
    proxy.answer(hangs);
    const outcome = outcomeOf(client.send(QUERY, {}));
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS + TIMEOUT_MS / 5);
    const { error } = await outcome;
    expect(error).toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE, message: `catalog did not answer ${QUERY} within ${TIMEOUT_MS} ms` });
    expect(proxy.sent).toEqual([QUERY]);
  });

  it('asks a timeout given as a function at each call, so a changed setting holds without a new client', async () => {
    let timeoutMs = TIMEOUT_MS;
    client = new ContextClient('catalog', proxy.answer(hangs) as unknown as ClientProxy, () => timeoutMs);
    timeoutMs = 300;
    const outcome = outcomeOf(client.send(COMMAND, {}));
    await jest.advanceTimersByTimeAsync(300);
    expect((await outcome).error?.message).toBe(`catalog did not answer ${COMMAND} within 300 ms`);
  });

  it('tries a query again after a timeout only within what is left of its budget', async () => {
    proxy.answer(hangs);
    let settled = false;
    const outcome = outcomeOf(client.send(QUERY, {}, { timeoutMs: 5000 })).finally(() => (settled = true));
    await jest.advanceTimersByTimeAsync(5000);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(settled).toBe(true);
    expect((await outcome).error?.code).toBe(ERROR_CODES.CONTEXT_UNAVAILABLE);
    expect(proxy.sent).toEqual([QUERY, QUERY]);
  });

  it('says whether a request that failed surely never reached the context: refused or circuit open, yes; timed out or cut off, no', async () => {
    const neverDelivered = async (answer: Answer) => wasNeverDelivered((await sendAndWait(COMMAND, [answer])).error);
    expect(await neverDelivered(refused)).toBe(true);
    expect(await neverDelivered(connectionClosed)).toBe(false);
    expect(await neverDelivered(hangs)).toBe(false);

    // Three failures in a row: the circuit is open, and the next request is refused without being sent.
    const { error } = await outcomeOf(client.send(COMMAND, {}));
    expect(error?.message).toMatch(/circuit open/);
    expect(wasNeverDelivered(error)).toBe(true);
  });

  it('sends a command once, since it may have run even though no answer came', async () => {
    const { error } = await sendAndWait(COMMAND, [refused, replies({ reserved: true })]);
    expect(error?.code).toBe(ERROR_CODES.CONTEXT_UNAVAILABLE);
    expect(proxy.sent).toEqual([COMMAND]);
  });

  it('neither repeats nor counts an error the context answered', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await sendAndWait(QUERY, [answersError(ERROR_CODES.PRODUCT_NOT_FOUND, 'No such product')])).error).toEqual(
        new RemoteError(ERROR_CODES.PRODUCT_NOT_FOUND, 'No such product'),
      );
    }
    // The context answering that another context is unavailable is an answer too: this one is up.
    for (let i = 0; i < 5; i++) {
      expect((await sendAndWait(COMMAND, [answersError(ERROR_CODES.CONTEXT_UNAVAILABLE, 'users is unavailable')])).error?.message).toBe('users is unavailable');
    }
    expect(proxy.sent).toHaveLength(10);
    expect(await sendAndWait(QUERY, [replies({ id: 'p-1' })])).toEqual({ reply: { id: 'p-1' } });
    expect(warn).not.toHaveBeenCalled();
  });

  it('does not count a command that went unanswered when the context answers its health check after it: another process may have lost it', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await sendAndWait(COMMAND, [hangs, replies({ status: 'up' })])).error?.code).toBe(ERROR_CODES.CONTEXT_UNAVAILABLE);
    }
    expect(await sendAndWait(COMMAND, [replies({ reserved: true })])).toEqual({ reply: { reserved: true } });
    expect(warn).not.toHaveBeenCalled();
  });

  it('fails at once, naming the context, after repeated failures to reach it', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await sendAndWait(COMMAND, [hangs])).error?.code).toBe(ERROR_CODES.CONTEXT_UNAVAILABLE);
    }
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('catalog circuit opened'));
    // Each command that went unanswered counted once the context's health check, asked after it, went unanswered too.
    const CHECK = CATALOG_PATTERNS.CHECK_HEALTH;
    expect(proxy.sent).toEqual([COMMAND, CHECK, COMMAND, CHECK, COMMAND, CHECK]);

    proxy.answer(hangs);
    const clockBefore = Date.now();
    for (const pattern of [QUERY, COMMAND, CATALOG_PATTERNS.CHECK_HEALTH]) {
      const { error } = await outcomeOf(client.send(pattern, {}));
      expect(error).toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE, message: expect.stringMatching(/^catalog is unavailable: circuit open/) });
    }
    // Settled without the clock moving at all: no timeout was waited for, and nothing was sent.
    expect(Date.now()).toBe(clockBefore);
    expect(proxy.sent).toHaveLength(6);
  });

  it('lets one request through after the pause, and closes the circuit when it succeeds', async () => {
    await openTheCircuit();
    await jest.advanceTimersByTimeAsync(HALF_OPEN_AFTER_MS);

    expect(await sendAndWait(QUERY, [replies({ id: 'p-1' })])).toEqual({ reply: { id: 'p-1' } });
    expect(info).toHaveBeenCalledWith(expect.stringContaining('catalog circuit closed'));

    // Closed again: a new failure reaches the context rather than failing at once.
    expect((await sendAndWait(COMMAND, [refused])).error?.message).toBe('catalog is unavailable');
    expect(proxy.sent).toHaveLength(5);
  });

  it('opens the circuit again when the request let through after the pause fails', async () => {
    await openTheCircuit();
    await jest.advanceTimersByTimeAsync(HALF_OPEN_AFTER_MS);

    expect((await sendAndWait(COMMAND, [refused])).error?.message).toBe('catalog is unavailable');
    expect((await sendAndWait(QUERY, [replies({ id: 'p-1' })])).error?.message).toMatch(/^catalog is unavailable: circuit open/);
    expect(proxy.sent).toHaveLength(4);
  });
});

describeWith(['rmq'])('ContextClient over a real RabbitMQ', () => {
  it('answers CONTEXT_UNAVAILABLE, not INTERNAL, when the broker connection is lost before the broker confirmed the request', async () => {
    Logger.overrideLogger(false);
    const queue = `${testNamespace('context-client')}.catalog.requests`;
    const admin = await connectAmqp(TEST_RABBITMQ_URL);
    const channel = await admin.createChannel();
    await channel.assertQueue(queue, { durable: false });
    const partition = await TcpProxy.to(TEST_RABBITMQ_URL);
    const proxy = ClientProxyFactory.create({
      transport: Transport.RMQ,
      options: { urls: [partition.urlThrough(TEST_RABBITMQ_URL)], queue, noAssert: true, persistent: false },
    });
    // Longer than the test: a failure that came from the timeout would say so.
    const client = new ContextClient('catalog', proxy, 60_000, {}, 'rmq');
    try {
      await proxy.connect();
      partition.hang();
      const sent = outcomeOf(client.send(COMMAND, { productId: 'p-1' }));
      await untilPasses(() => expect(partition.holdsBytes).toBe(true), 10_000);
      // The broker's host gone: the connection under the unconfirmed request closes, as after a missed heartbeat.
      await partition.cut();

      const { error } = await sent;
      expect({ type: error?.constructor.name, code: error?.code, message: error?.message }).toEqual({
        type: 'ContextUnreachableError',
        code: ERROR_CODES.CONTEXT_UNAVAILABLE,
        message: 'catalog is unavailable',
      });
    } finally {
      await client.close().catch(() => undefined);
      await partition.cut();
      await channel.deleteQueue(queue);
      await admin.close();
      Logger.overrideLogger(true);
    }
  }, 30_000);
});
