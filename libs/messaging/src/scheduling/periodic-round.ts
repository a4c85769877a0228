/** Where a PeriodicRound tells how each round ended. */
export interface RoundOutcomes {
  failed(error: unknown): void;
  succeeded(): void;
}

/**
 * A job that runs in rounds every `intervalMs` while the application runs:
 * never two rounds at once in one process; a round asked for while one runs
 * is run once right after it, however many asked, since the running round may
 * have started before what they were asked for (an outbox row committed
 * meanwhile); each round's outcome told to `outcomes` (a RepeatedFailureLog),
 * a failure never thrown; and a stop that waits for the running round, so
 * that the database it uses closes after it.
 * The outbox relay, the sweepers and the recoveries share it; several
 * processes may run the same job, which each job makes safe on its own.
 */
export class PeriodicRound {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly outcomes: RoundOutcomes,
  ) {}

  /**
   * How often to run a job that looks for work older than `staleAfterMs`: every `longestMs` at most, twice within
   * `staleAfterMs` when that is shorter, so that stale work waits half of it at most, and never more often than
   * every 250 ms however short it is.
   */
  static intervalFor(longestMs: number, staleAfterMs: number): number {
    return Math.max(250, Math.min(longestMs, staleAfterMs / 2));
  }

  /** Runs a round every `intervalMs` from now on; the timer keeps no process alive. */
  start(intervalMs: number): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  /** No new rounds; resolves once the running one, if any, has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Starts a round, or one more after the running one; answers when the rounds ran. */
  run(): Promise<void> {
    if (this.running) {
      this.again = !this.stopped;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.work().then(
            () => this.outcomes.succeeded(),
            (error: unknown) => this.outcomes.failed(error),
          );
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
