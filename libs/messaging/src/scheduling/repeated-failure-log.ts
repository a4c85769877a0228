/** The part of Nest's Logger a RepeatedFailureLog writes to. */
export interface FailureLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RepeatedFailureLogOptions {
  /** The level of the lines that say something fails; the line that says it works again is at `log`. */
  level?: 'warn' | 'error';
  /** How long the same failure again is counted instead of logged. */
  quietMs?: number;
}

/** A minute: an outage of an hour writes some sixty lines a job instead of thousands. */
export const REPEATED_FAILURE_QUIET_MS = 60_000;

/** One kind of failure (one reason) while it lasts. */
interface FailureSpell {
  /** Failures of this kind since its last line. */
  unlogged: number;
  lastAbout?: string;
  timer?: NodeJS.Timeout;
}

/**
 * The log of a job that fails the same way again and again while something it
 * needs is away: the relay and the sweepers, each running every second or so,
 * wrote some three hundred identical lines a minute while their database was
 * down, which hid everything else in the log and said nothing more. The first
 * failure of a reason (its error's message) is logged as it happens; the same
 * reason again is counted, and said in one line a quiet period later if it
 * happened meanwhile; another reason is logged at once. The first success
 * after failures says, at `log`, that the job works again and how long it
 * failed, so that the end of an outage shows in the log as its start does.
 */
export class RepeatedFailureLog {
  private readonly spells = new Map<string, FailureSpell>();
  private failures = 0;
  private failingSince?: number;
  private readonly level: 'warn' | 'error';
  private readonly quietMs: number;

  /** `what` names the job as a subject: "Publishing pending events", "A reservation expiry round". */
  constructor(
    private readonly logger: FailureLogger,
    private readonly what: string,
    options: RepeatedFailureLogOptions = {},
  ) {
    this.level = options.level ?? 'warn';
    this.quietMs = options.quietMs ?? REPEATED_FAILURE_QUIET_MS;
  }

  /** Notes one failure; `about` names what it failed on (an event), told with it when it is logged. */
  failed(error: unknown, about?: string): void {
    this.failures++;
    this.failingSince ??= Date.now();
    const reason = reasonOf(error);
    const spell = this.spells.get(reason);
    if (spell) {
      spell.unlogged++;
      spell.lastAbout = about;
      return;
    }
    this.logger[this.level](`${this.what} failed${about ? ` (${about})` : ''}: ${reason}`);
    this.quiet(reason, { unlogged: 0 });
  }

  /** Notes a success: after failures, says that the job works again. */
  succeeded(): void {
    if (this.failingSince === undefined) return;
    const seconds = Math.round((Date.now() - this.failingSince) / 1000);
    this.logger.log(`${this.what} works again, after ${this.failures} failure${this.failures === 1 ? '' : 's'} over ${seconds} s`);
    for (const spell of this.spells.values()) clearTimeout(spell.timer);
    this.spells.clear();
    this.failures = 0;
    this.failingSince = undefined;
  }

  /** Counts `reason` for a quiet period, then says how often it came back, and counts it again if it did. */
  private quiet(reason: string, spell: FailureSpell): void {
    this.spells.set(reason, spell);
    spell.timer = setTimeout(() => {
      if (spell.unlogged === 0) {
        this.spells.delete(reason);
        return;
      }
      const about = spell.lastAbout ? `, the last (${spell.lastAbout})` : '';
      this.logger[this.level](
        `${this.what} failed ${spell.unlogged} more time${spell.unlogged === 1 ? '' : 's'} in the last ${Math.round(this.quietMs / 1000)} s${about}: ${reason}`,
      );
      this.quiet(reason, { unlogged: 0 });
    }, this.quietMs);
    // A line owed at exit is not worth keeping the process alive for.
    spell.timer.unref();
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')
    return (error as { message: string }).message;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}
