import { Logger } from '@nestjs/common';
import { CATALOG_PATTERNS, ERROR_CODES } from '@tessera/contracts';
import { ContextResiliencePolicy, queryBudgetMs } from './context-resilience.policy';
import { ContextUnreachableError } from './context-unreachable.error';

const QUERY = CATALOG_PATTERNS.GET_PRODUCT;
const COMMAND = CATALOG_PATTERNS.RESERVE_STOCK;
const TIMEOUT_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two processes of one context. A dead one keeps what it was sent unanswered until the try times out. */
class TwoReplicas {
  private readonly dead = new Set<'a' | 'b'>();
  private turn = 0;

  kill(replica: 'a' | 'b'): void {
    this.dead.add(replica);
  }

  /** A process still up, or one that is not when none is. */
  alive(): 'a' | 'b' {
    return this.dead.has('a') ? 'b' : 'a';
  }

  /** One try, sent round robin as a NATS queue group would, to the replica given, or to the next one. */
  async attempt(timeoutMs: number, to?: 'a' | 'b'): Promise<{ by: string }> {
    const replica = to ?? (this.turn++ % 2 === 0 ? 'a' : 'b');
    await sleep(5);
    if (this.dead.has(replica)) {
      await sleep(timeoutMs);
      throw new ContextUnreachableError(`catalog did not answer ${QUERY} within ${timeoutMs} ms`);
    }
    return { by: replica };
  }
}

describe('ContextResiliencePolicy with a context of several processes', () => {
  let policy: ContextResiliencePolicy;
  let replicas: TwoReplicas;

  // The clock is the test's: on a busy machine a timer fired late used up the budget a retry needed.
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.now() });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    replicas = new TwoReplicas();
    // The context's health check, as a broker sends it: to a process that is there, if any.
    const askWhetherThere = () => replicas.attempt(TIMEOUT_MS, replicas.alive());
    policy = new ContextResiliencePolicy(
      'catalog',
      { breakAfterFailures: 5, halfOpenAfterMs: 5000, retryInitialDelayMs: 10, retryMaxDelayMs: 20, minAttemptMs: 20 },
      askWhetherThere,
    );
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** Runs a query to the given process, letting the clock go on until it has answered. */
  async function answered(to: 'a' | 'b'): Promise<{ by: string }> {
    const answer = policy.execute(QUERY, TIMEOUT_MS, (ms) => replicas.attempt(ms, to));
    await jest.advanceTimersByTimeAsync(10);
    return answer;
  }

  it('answers the queries a killed process had in hand through the other one, without opening the circuit, while the other answers meanwhile', async () => {
    // Six queries land on the process that is then killed; their tries wait for their timeout in vain...
    let firstTries = 6;
    const cutOff = Promise.all(Array.from({ length: 6 }, () => policy.execute(QUERY, TIMEOUT_MS, (ms) => replicas.attempt(ms, firstTries-- > 0 ? 'a' : 'b'))));
    replicas.kill('a');
    // ...while the other process answers everything else.
    await jest.advanceTimersByTimeAsync(20);
    expect(await answered('b')).toEqual({ by: 'b' });

    await jest.advanceTimersByTimeAsync(queryBudgetMs(TIMEOUT_MS));
    await expect(cutOff).resolves.toEqual(Array.from({ length: 6 }, () => ({ by: 'b' })));
    expect(await answered('b')).toEqual({ by: 'b' });
  });

  it('answers the queries a killed process had in hand through the other one, without opening the circuit, when every query in flight was in its hands', async () => {
    // A broker's queue group keeps routing to a killed process until its socket closes, so every caller still asking
    // can end up waiting on it: nothing answers while their tries wait, and only the next try shows the other process.
    let firstTries = 6;
    const cutOff = Promise.all(Array.from({ length: 6 }, () => policy.execute(QUERY, TIMEOUT_MS, (ms) => replicas.attempt(ms, firstTries-- > 0 ? 'a' : 'b'))));
    replicas.kill('a');

    await jest.advanceTimersByTimeAsync(queryBudgetMs(TIMEOUT_MS));
    await expect(cutOff).resolves.toEqual(Array.from({ length: 6 }, () => ({ by: 'b' })));
    expect(policy.isOpen).toBe(false);
    expect(await answered('b')).toEqual({ by: 'b' });
  });

  it("does not open the circuit for the commands a killed process had in hand when the context's health check is answered by the other", async () => {
    // A command is never tried again, so nothing else shows that the other process answers: its health check does.
    const lost = Array.from({ length: 6 }, () =>
      policy.execute(COMMAND, TIMEOUT_MS, (ms) => replicas.attempt(ms, 'a')).catch((error: ContextUnreachableError) => error.code),
    );
    replicas.kill('a');

    await jest.advanceTimersByTimeAsync(TIMEOUT_MS + 20);
    expect(await Promise.all(lost)).toEqual(Array.from({ length: 6 }, () => ERROR_CODES.CONTEXT_UNAVAILABLE));
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(policy.isOpen).toBe(false);
    const next = policy.execute(COMMAND, TIMEOUT_MS, (ms) => replicas.attempt(ms, 'b'));
    await jest.advanceTimersByTimeAsync(10);
    await expect(next).resolves.toEqual({ by: 'b' });
  });

  it('opens the circuit for commands that went unanswered once the health check goes unanswered too', async () => {
    replicas.kill('a');
    replicas.kill('b');
    const lost = Promise.allSettled(Array.from({ length: 5 }, () => policy.execute(COMMAND, TIMEOUT_MS, (ms) => replicas.attempt(ms))));
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS + 20);
    expect((await lost).map((outcome) => outcome.status)).toEqual(Array.from({ length: 5 }, () => 'rejected'));

    await jest.advanceTimersByTimeAsync(TIMEOUT_MS + 20);
    expect(policy.isOpen).toBe(true);
    await expect(policy.execute(COMMAND, TIMEOUT_MS, (ms) => replicas.attempt(ms))).rejects.toThrow(/circuit open/);
  });

  it('still opens the circuit when nothing of the context answers while the tries wait', async () => {
    replicas.kill('a');
    replicas.kill('b');
    const settled = Promise.allSettled(Array.from({ length: 6 }, () => policy.execute(QUERY, TIMEOUT_MS, (ms) => replicas.attempt(ms))));
    await jest.advanceTimersByTimeAsync(queryBudgetMs(TIMEOUT_MS) + TIMEOUT_MS);
    expect((await settled).map((outcome) => outcome.status)).toEqual(Array.from({ length: 6 }, () => 'rejected'));
    await expect(policy.execute(QUERY, TIMEOUT_MS, (ms) => replicas.attempt(ms))).rejects.toThrow(/circuit open/);
  });
});
