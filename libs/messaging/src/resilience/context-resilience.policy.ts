import { Logger } from '@nestjs/common';
import { ContextName, QUERY_PATTERNS } from '@tessera/contracts';
import { circuitBreaker, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, ExponentialBackoff, handleWhen, isBrokenCircuitError, retry } from 'cockatiel';
import { ContextUnreachableError, ReplicaUnreachableError } from './context-unreachable.error';

/** How hard a client tries to reach a context, and when it stops trying for a while. */
export interface ResilienceOptions {
  /** Consecutive failures to reach the context that open its circuit. */
  breakAfterFailures: number;
  /** How long an open circuit fails every request at once before it lets one through to test the context. */
  halfOpenAfterMs: number;
  /** Tries a query gets in all, the first included; a command always gets one. */
  queryAttempts: number;
  /** The first pause before a query is tried again; later pauses grow exponentially, with jitter. */
  retryInitialDelayMs: number;
  /** The longest pause between two tries of a query. */
  retryMaxDelayMs: number;
  /** A query is not tried again when less than this would be left for the try after the pause. */
  minAttemptMs: number;
}

/** Three tries for a query within its timeout and a little more; five failures in a row open the circuit for five seconds. */
export const DEFAULT_RESILIENCE_OPTIONS: ResilienceOptions = {
  breakAfterFailures: 5,
  halfOpenAfterMs: 5000,
  queryAttempts: 3,
  retryInitialDelayMs: 50,
  retryMaxDelayMs: 400,
  minAttemptMs: 100,
};

/** What a query may take beyond its timeout in all its tries: a fifth more, at most one second. */
export function queryBudgetMs(timeoutMs: number): number {
  return timeoutMs + Math.min(1000, Math.floor(timeoutMs / 5));
}

/**
 * The resilience of one context's client: a circuit breaker shared by every
 * request to that context in this process, and retries with exponential backoff
 * and jitter for queries only, since a command that timed out may have run.
 * Only failures to reach the context count: an answer, even an error, proves it
 * is there. A query counts once its tries are spent, not at each try: queries
 * in flight together are lost together when the process of a replicated
 * context that had them is killed (a broker's queue group routes to it until
 * its socket closes, so under load every caller can end up waiting on it), and
 * their timeouts, all at once with nothing answered in between, would open the
 * circuit before the next try could reach the process left. Nor does a request
 * count when the context answered another one while it waited: it was lost with
 * one process of a replicated context, not with the context. A command, which
 * has no next try, counts only once the context's health check goes unanswered
 * as well (ADR 0024). Nor does the failure of one replica while another is in
 * rotation (see ReplicaBalancedClient): the circuit opens only once every
 * replica fails.
 */
export class ContextResiliencePolicy {
  private readonly options: ResilienceOptions;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly logger = new Logger('ContextClient');
  /** How many requests the context has answered so far, to tell whether it answered while one was waiting. */
  private answered = 0;
  /** Failures the breaker does not count: outlived by an answer to another request, or left to the health check. */
  private readonly uncounted = new WeakSet<object>();
  /** The health check asked after a command went unanswered, shared by the commands that fail while it waits. */
  private askingWhetherThere?: Promise<boolean>;

  constructor(
    readonly context: ContextName,
    options: Partial<ResilienceOptions> = {},
    /** Asks the context's health check once, past the breaker: any answer, even an error, shows the context is there. */
    private readonly askWhetherThere?: () => Promise<unknown>,
  ) {
    this.options = { ...DEFAULT_RESILIENCE_OPTIONS, ...options };
    this.breaker = circuitBreaker(
      handleWhen((error) => isUnreachable(error) && !(error instanceof ReplicaUnreachableError) && !this.uncounted.has(error)),
      {
        halfOpenAfter: this.options.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.options.breakAfterFailures),
      },
    );
    this.breaker.onBreak(() =>
      this.logger.warn(
        `${context} circuit opened after ${this.options.breakAfterFailures} consecutive failures to reach it: requests to ${context} fail at once for ${this.options.halfOpenAfterMs} ms`,
      ),
    );
    this.breaker.onReset(() => this.logger.log(`${context} circuit closed: ${context} answers again`));
  }

  /** Whether requests to the context fail at once now (half open, a probe is let through, and it counts as open). */
  get isOpen(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  /**
   * Runs a request to the context: `attempt` makes one try and must settle
   * within the milliseconds it is given. A query that could not reach the
   * context is tried again while its budget (see queryBudgetMs) allows.
   */
  execute<T>(pattern: string, timeoutMs: number, attempt: (attemptTimeoutMs: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + queryBudgetMs(timeoutMs);
    const oneTry = () => attempt(Math.max(1, Math.min(timeoutMs, deadline - Date.now())));
    const isQuery = QUERY_PATTERNS.has(pattern);
    let request = oneTry;
    if (isQuery) {
      const worthAnotherTry = (error: Error) => isUnreachable(error) && deadline - Date.now() >= this.options.retryMaxDelayMs + this.options.minAttemptMs;
      const retried = retry(handleWhen(worthAnotherTry), {
        maxAttempts: this.options.queryAttempts - 1,
        backoff: new ExponentialBackoff({ initialDelay: this.options.retryInitialDelayMs, maxDelay: this.options.retryMaxDelayMs }),
      });
      request = () => retried.execute(oneTry);
    }
    return this.breaker
      .execute(() => this.tracked(request, !isQuery))
      .catch((error: unknown) => {
        if (!isBrokenCircuitError(error)) throw error;
        throw new ContextUnreachableError(
          `${this.context} is unavailable: circuit open after repeated failures to reach it, next try within ${Math.ceil(this.options.halfOpenAfterMs / 1000)} s`,
          true,
        );
      });
  }

  /**
   * Runs a request, noting whether the context answered it, or answered another request while it waited in vain. A
   * command that may have been delivered and went unanswered is counted once the health check went unanswered too,
   * not before: its caller is answered at once, and the breaker hears of the failure when the check has settled.
   */
  private tracked<T>(request: () => Promise<T>, isCommand: boolean): Promise<T> {
    const answeredBefore = this.answered;
    return request().then(
      (result) => {
        this.answered++;
        return result;
      },
      (error: Error) => {
        if (!isUnreachable(error)) this.answered++;
        else if (this.answered > answeredBefore) this.uncounted.add(error);
        else if (isCommand && this.askWhetherThere && !(error as ContextUnreachableError).notDelivered && !(error instanceof ReplicaUnreachableError)) {
          this.uncounted.add(error);
          void this.countUnlessTheContextAnswers();
        }
        throw error;
      },
    );
  }

  private async countUnlessTheContextAnswers(): Promise<void> {
    this.askingWhetherThere ??= this.askWhetherThere!()
      .then(
        () => true,
        (error: Error) => !isUnreachable(error),
      )
      .finally(() => (this.askingWhetherThere = undefined));
    if (await this.askingWhetherThere) {
      this.answered++;
      return;
    }
    const unanswered = new ContextUnreachableError(`${this.context} did not answer its health check after a command went unanswered`);
    await this.breaker.execute(() => Promise.reject(unanswered)).catch(() => undefined);
  }
}

function isUnreachable(error: Error): boolean {
  return error instanceof ContextUnreachableError;
}
