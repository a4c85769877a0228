/** The first pause before a failed event comes again, and the longest one. */
const FIRST_DELAY_MS = 1000;
const LONGEST_DELAY_MS = 60_000;

/**
 * How long a subscriber waits before an event it failed `attempts` times comes
 * again: exponential, capped, and jittered between half and all of it, so that
 * the events a broken dependency failed do not all come back at once.
 */
export function redeliveryDelayMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LONGEST_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** The pause a failed delivery asked for, as its error carries it over any transport, or undefined. */
export function retryAfterMsOf(error: unknown): number | undefined {
  const value = (error as { details?: { retryAfterMs?: unknown } } | undefined)?.details?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
