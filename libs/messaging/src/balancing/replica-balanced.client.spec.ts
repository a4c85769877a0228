import { Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { CATALOG_PATTERNS, ERROR_CODES } from '@tessera/contracts';
import { delay, lastValueFrom, mergeMap, NEVER, Observable, of, throwError, timer } from 'rxjs';
import { ContextClient } from '../context-client';
import { RemoteError } from '../errors/remote.error';
import { TcpEventDelivery } from '../events/tcp-event-delivery';
import { STOPPING_CODE } from '../resilience/context-unreachable.error';
import type { TcpBalancing } from '../topology/topology';
import { ReplicaBalancedClient } from './replica-balanced.client';

type Answer = () => Observable<unknown>;

const refused: Answer = () => throwError(() => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4002'), { code: 'ECONNREFUSED' }));
const connectionClosed: Answer = () => throwError(() => new Error('Connection closed'));
const stopping: Answer = () => throwError(() => ({ code: STOPPING_CODE, message: 'This process is stopping and did not handle the request' }));
const hangs: Answer = () => NEVER;
const replies =
  (value: unknown): Answer =>
  () =>
    of(value);
const closesAfter =
  (ms: number): Answer =>
  () =>
    timer(ms).pipe(mergeMap(() => throwError(() => new Error('Connection closed'))));
const repliesAfter =
  (ms: number, value: unknown): Answer =>
  () =>
    of(value).pipe(delay(ms));

/** One replica's transport: it answers every request alike, as `answer` says now, and remembers what it was sent. */
class FakeReplica {
  readonly sent: string[] = [];

  constructor(public answer: Answer = replies('ok')) {}

  send(pattern: string): Observable<unknown> {
    this.sent.push(pattern);
    return this.answer();
  }

  async close(): Promise<void> {}
}

const PROBE = CATALOG_PATTERNS.CHECK_HEALTH;
const QUERY = CATALOG_PATTERNS.GET_PRODUCT;
const COMMAND = CATALOG_PATTERNS.RESERVE_STOCK;
const FIRST_PAUSE_MS = 1000;
const TIMEOUT_MS = 1000;

function balancerOver(replicas: FakeReplica[], strategy: TcpBalancing = 'least-pending'): ReplicaBalancedClient {
  return new ReplicaBalancedClient(
    'catalog',
    replicas.map((replica, i) => ({ address: `catalog-${i}:4002`, proxy: replica as unknown as ClientProxy })),
    strategy,
    { firstPauseMs: FIRST_PAUSE_MS, maxPauseMs: 4 * FIRST_PAUSE_MS, probeTimeoutMs: 500, probePattern: PROBE },
  );
}

/** What a request through the balancer ended with: its answer, or its error. */
function settled(balancer: ClientProxy, pattern = QUERY): Promise<unknown> {
  return lastValueFrom(balancer.send(pattern, {})).catch((error: unknown) => error);
}

/** How many of the requests each replica got, probes left out. */
function requestsOf(...replicas: FakeReplica[]): number[] {
  return replicas.map((replica) => replica.sent.filter((pattern) => pattern !== PROBE).length);
}

describe('ReplicaBalancedClient', () => {
  let a: FakeReplica;
  let b: FakeReplica;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    a = new FakeReplica();
    b = new FakeReplica();
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('spreads requests', () => {
    it('in turn with round-robin', async () => {
      const balancer = balancerOver([a, b], 'round-robin');
      for (let i = 0; i < 6; i++) await settled(balancer);
      expect(requestsOf(a, b)).toEqual([3, 3]);
    });

    it('as the dice fall with random', async () => {
      const dice = [0.1, 0.9, 0.2, 0.3, 0.8];
      jest.spyOn(Math, 'random').mockImplementation(() => dice.shift()!);
      const balancer = balancerOver([a, b], 'random');
      for (let i = 0; i < 5; i++) await settled(balancer);
      expect(requestsOf(a, b)).toEqual([3, 2]);
    });

    it('to the replica with the fewest requests waiting with least-pending, in turn when they wait alike', async () => {
      const balancer = balancerOver([a, b], 'least-pending');
      a.answer = hangs;
      const waiting = balancer.send(QUERY, {}).subscribe();
      b.answer = replies('ok');
      for (let i = 0; i < 3; i++) await settled(balancer);
      expect(requestsOf(a, b)).toEqual([1, 3]);
      waiting.unsubscribe();
      // Given up on, the hung request took `a` out of the rotation; once a probe finds it back, the two alternate.
      a.answer = replies('ok');
      await jest.advanceTimersByTimeAsync(FIRST_PAUSE_MS);
      for (let i = 0; i < 4; i++) await settled(balancer);
      expect(requestsOf(a, b)).toEqual([3, 5]);
    });
  });

  it('takes a replica that failed out of the rotation, probes it after a pause growing while it fails, and takes it back once it answers', async () => {
    const balancer = balancerOver([a, b], 'round-robin');
    a.answer = connectionClosed;
    expect(await settled(balancer)).toMatchObject({ message: 'Connection closed' });
    expect(balancer.replicasInRotation).toBe(1);
    for (let i = 0; i < 4; i++) expect(await settled(balancer)).toBe('ok');
    expect(requestsOf(a, b)).toEqual([1, 4]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('catalog replica catalog-0:4002 left the rotation'));

    await jest.advanceTimersByTimeAsync(FIRST_PAUSE_MS);
    expect(a.sent).toEqual([QUERY, PROBE]);
    // Failed again: the next probe waits twice as long.
    await jest.advanceTimersByTimeAsync(2 * FIRST_PAUSE_MS - 1);
    expect(a.sent).toEqual([QUERY, PROBE]);
    a.answer = replies({ status: 'up' });
    await jest.advanceTimersByTimeAsync(1);
    expect(a.sent).toEqual([QUERY, PROBE, PROBE]);
    expect(balancer.replicasInRotation).toBe(2);
    for (let i = 0; i < 4; i++) await settled(balancer);
    expect(requestsOf(a, b)).toEqual([3, 6]);
  });

  it('still tries every replica when all have failed, and takes back one that answers', async () => {
    const balancer = balancerOver([a, b], 'round-robin');
    a.answer = connectionClosed;
    b.answer = connectionClosed;
    await settled(balancer);
    await settled(balancer);
    expect(balancer.replicasInRotation).toBe(0);
    b.answer = replies('back');
    expect(await settled(balancer)).toMatchObject({ message: 'Connection closed' });
    expect(await settled(balancer)).toBe('back');
    expect(balancer.replicasInRotation).toBe(1);
  });

  describe('behind a ContextClient', () => {
    function clientOver(replicas: FakeReplica[]): ContextClient {
      return new ContextClient('catalog', balancerOver(replicas, 'round-robin'), TIMEOUT_MS, { breakAfterFailures: 3, halfOpenAfterMs: 3000 }, 'tcp');
    }

    async function outcome(client: ContextClient, pattern: string): Promise<unknown> {
      const sent = client.send(pattern, {}).catch((error: unknown) => error);
      await jest.advanceTimersByTimeAsync(2 * TIMEOUT_MS);
      return sent;
    }

    it('tries a query that one replica lost again on another', async () => {
      const client = clientOver([a, b]);
      a.answer = connectionClosed;
      b.answer = replies({ id: 'p-1' });
      expect(await outcome(client, QUERY)).toEqual({ id: 'p-1' });
      expect(requestsOf(a, b)).toEqual([1, 1]);
    });

    it('tries a query that timed out at one replica again on another, when its budget leaves time for it', async () => {
      const client = clientOver([a, b]);
      a.answer = hangs;
      b.answer = replies({ id: 'p-1' });
      const answer = client.send(QUERY, {}, { timeoutMs: 5000 });
      await jest.advanceTimersByTimeAsync(6000);
      expect(await answer).toEqual({ id: 'p-1' });
      expect(requestsOf(a, b)).toEqual([1, 1]);
    });

    it('sends a command once, even with another replica up, since the one that lost it may have run it', async () => {
      const client = clientOver([a, b]);
      a.answer = connectionClosed;
      const error = await outcome(client, COMMAND);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });
      expect(requestsOf(a, b)).toEqual([1, 0]);
    });

    it('sends a request that did not run at one replica, as it stops or refuses connections, to another at once, a command too', async () => {
      const client = clientOver([a, b]);
      a.answer = stopping;
      b.answer = replies('reserved');
      expect(await outcome(client, COMMAND)).toBe('reserved');
      expect(requestsOf(a, b)).toEqual([1, 1]);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('catalog replica catalog-0:4002 left the rotation as it is stopping'));
      for (let i = 0; i < 2; i++) expect(await outcome(client, COMMAND)).toBe('reserved');
      expect(requestsOf(a, b)).toEqual([1, 3]);

      const c = new FakeReplica(refused);
      const d = new FakeReplica(replies('reserved'));
      expect(await outcome(clientOver([c, d]), COMMAND)).toBe('reserved');
      expect(requestsOf(c, d)).toEqual([1, 1]);
    });

    it('answers CONTEXT_UNAVAILABLE for a request turned away by a stopping replica when no other is in rotation', async () => {
      const client = clientOver([a, b]);
      a.answer = stopping;
      b.answer = stopping;
      expect(await outcome(client, COMMAND)).toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });
      expect(requestsOf(a, b)).toEqual([1, 1]);
      // A probe turned away too leaves it out: a stopping replica is not back.
      await jest.advanceTimersByTimeAsync(FIRST_PAUSE_MS);
      expect([a.sent, b.sent].map((sent) => sent.includes(PROBE))).toEqual([true, true]);
      expect(Logger.prototype.log).not.toHaveBeenCalledWith(expect.stringContaining('back in the rotation'));
    });

    it('keeps the circuit closed while one replica answers, however many requests the other loses', async () => {
      const client = clientOver([a, b]);
      // Killed with three requests in hand, all lost before the other replica answered anything.
      a.answer = closesAfter(10);
      b.answer = repliesAfter(20, 'ok');
      const sent = [...Array(6)].map(() => client.send(COMMAND, {}).catch((error: unknown) => error));
      await jest.advanceTimersByTimeAsync(2 * TIMEOUT_MS);
      expect((await Promise.all(sent)).filter((answer) => answer !== 'ok')).toHaveLength(3);
      for (let i = 0; i < 4; i++) expect(await outcome(client, COMMAND)).toBe('ok');
      expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('circuit opened'));
    });

    it('opens the circuit once every replica fails', async () => {
      const client = clientOver([a, b]);
      a.answer = refused;
      b.answer = refused;
      // Each command is refused by both, the second as the last replica in rotation: three failures of the context.
      for (let i = 0; i < 3; i++) expect(await outcome(client, COMMAND)).toMatchObject({ code: ERROR_CODES.CONTEXT_UNAVAILABLE });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('catalog circuit opened'));
      const sentBefore = requestsOf(a, b);
      expect(await outcome(client, COMMAND)).toMatchObject({ message: expect.stringMatching(/circuit open/) });
      expect(requestsOf(a, b)).toEqual(sentBefore);
    });
  });

  it('delivers an event to one replica, and to another at once when that one cannot be reached', async () => {
    const balancer = balancerOver([a, b], 'round-robin');
    const delivery = new TcpEventDelivery([{ context: 'catalog', transport: balancer } as unknown as ContextClient], []);
    await delivery.deliver('catalog', 'ordering.order.confirmed', { orderId: 'o-1' });
    expect([a.sent, b.sent]).toEqual([['ordering.order.confirmed'], []]);
    b.answer = connectionClosed;
    await delivery.deliver('catalog', 'ordering.order.confirmed', { orderId: 'o-2' });
    expect([a.sent.length, b.sent.length]).toEqual([2, 1]);
  });
});
