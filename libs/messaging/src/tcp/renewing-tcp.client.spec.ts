import { Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { lastValueFrom, NEVER, Observable, of, Subject } from 'rxjs';
import { RenewingTcpClient } from './renewing-tcp.client';

/** One connection's client: it answers as `answer` says, remembers what it was sent, and whether it was closed. */
class FakeConnection {
  readonly sent: string[] = [];
  closed = false;

  constructor(public answer: (pattern: string) => Observable<unknown>) {}

  send(pattern: string): Observable<unknown> {
    this.sent.push(pattern);
    return this.answer(pattern);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A RenewingTcpClient whose connections are fakes answering alike; `connections` holds each one it opened, in order. */
function clientOver(answer: (pattern: string) => Observable<unknown>) {
  const connections: FakeConnection[] = [];
  const client = new RenewingTcpClient('catalog:4002', () => {
    const connection = new FakeConnection(answer);
    connections.push(connection);
    return connection as unknown as ClientProxy;
  });
  return { client, connections };
}

describe('RenewingTcpClient', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-04T12:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('gives up a connection on which nothing came back while a request waited out its timeout, and sends the next on a new one', async () => {
    const { client, connections } = clientOver((pattern) => (pattern === 'silent' ? NEVER : of('answer')));
    expect(await lastValueFrom(client.send('answered', {}))).toBe('answer');
    jest.advanceTimersByTime(10);

    const waiting = client.send('silent', {}).subscribe();
    jest.advanceTimersByTime(1500);
    waiting.unsubscribe();

    expect(connections).toHaveLength(2);
    expect(connections[0].closed).toBe(true);
    expect(await lastValueFrom(client.send('answered', {}))).toBe('answer');
    expect(connections[1].sent).toEqual(['answered']);
  });

  it('keeps a connection that carried other answers while a slow request waited', async () => {
    const slow = new Subject<unknown>();
    const { client, connections } = clientOver((pattern) => (pattern === 'slow' ? slow : of('answer')));

    const waiting = client.send('slow', {}).subscribe();
    jest.advanceTimersByTime(1000);
    expect(await lastValueFrom(client.send('answered', {}))).toBe('answer');
    jest.advanceTimersByTime(1000);
    waiting.unsubscribe();

    expect(connections).toHaveLength(1);
    expect(connections[0].closed).toBe(false);
  });

  it('opens one new connection for all the requests that the same silence made their callers give up', () => {
    const { client, connections } = clientOver(() => NEVER);

    const waiting = [1, 2, 3].map(() => client.send('silent', {}).subscribe());
    jest.advanceTimersByTime(1500);
    for (const request of waiting) request.unsubscribe();

    expect(connections).toHaveLength(2);
  });

  it('keeps the connection when a request is given up within a second, which says nothing of the connection', () => {
    const { client, connections } = clientOver(() => NEVER);

    const waiting = client.send('silent', {}).subscribe();
    jest.advanceTimersByTime(200);
    waiting.unsubscribe();

    expect(connections).toHaveLength(1);
  });

  it('counts an error answer as the connection carrying, and leaves a lost connection to reopen by itself', async () => {
    const { client, connections } = clientOver((pattern) =>
      pattern === 'refused'
        ? new Observable((subscriber) => subscriber.error({ code: 'PRODUCT_NOT_FOUND', message: 'No such product' }))
        : pattern === 'lost'
          ? new Observable((subscriber) => subscriber.error(new Error('Connection closed')))
          : NEVER,
    );

    const waiting = client.send('silent', {}).subscribe();
    jest.advanceTimersByTime(1000);
    await expect(lastValueFrom(client.send('refused', {}))).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
    jest.advanceTimersByTime(1000);
    waiting.unsubscribe();
    expect(connections).toHaveLength(1);

    await expect(lastValueFrom(client.send('lost', {}))).rejects.toThrow('Connection closed');
    expect(connections).toHaveLength(1);
  });

  it('says the first connection given up at once, the next ones once a minute, and when the address answers again', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    let frozen = true;
    const { client } = clientOver(() => (frozen ? NEVER : of('answer')));

    // A frozen process: every request waits out its timeout, each on a connection opened after the last was given up.
    for (let request = 0; request < 14; request++) {
      const waiting = client.send('silent', {}).subscribe();
      jest.advanceTimersByTime(5000);
      waiting.unsubscribe();
    }
    frozen = false;
    expect(await lastValueFrom(client.send('answered', {}))).toBe('answer');

    expect(warned.mock.calls.map(([line]) => line)).toEqual([
      'The connection to catalog:4002 failed: nothing came back while a request waited out its timeout; it is given up and a new one opened',
      'The connection to catalog:4002 failed 11 more times in the last 60 s: nothing came back while a request waited out its timeout; it is given up and a new one opened',
    ]);
    expect(logged).toHaveBeenCalledWith('The connection to catalog:4002 works again, after 14 failures over 65 s');
    jest.restoreAllMocks();
  });
});
