/**
 * A job that runs in rounds every `intervalMs` while the application runs:
 * never two rounds at once in one process (a round asked for while one runs
 * joins it), a failure handed to `onFailure` and never thrown, and a stop that
 * waits for the running round, so that the database it uses closes after it.
 * The schedulers of sweepers and recoveries share it; several processes may
 * run the same job, which each job makes safe on its own.
 */
export class PeriodicRound {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Runs a round every `intervalMs` from now on; the timer keeps no process alive. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  /** No new rounds; resolves once the running one, if any, has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Starts a round unless one is running; answers when the running round ends. */
  run(): Promise<void> {
    this.running ??= this.work()
      .then(
        () => undefined,
        (error: unknown) => void this.onFailure(error),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
