import { ERROR_CODES } from '@tessera/contracts';
import { deadlineOf } from '../correlation/correlation.envelope';
import { RemoteError } from '../errors/remote.error';

/**
 * How long past its sender's deadline a request may arrive and still run: room for the two machines' clocks to
 * differ (NTP keeps them within milliseconds). A context whose clock runs further ahead than this refuses every
 * request as late, and says so in its log.
 */
export const LATE_REQUEST_ALLOWANCE_MS = 10_000;

/**
 * A request that reached its handler long after its sender stopped waiting: held by a RabbitMQ connection that a
 * resource alarm blocked, in the socket of a context whose process was frozen (a stopped container, a paused VM, a
 * long stall), or in a NATS client's buffer. Its caller has answered CONTEXT_UNAVAILABLE and moved on: a client told
 * to try again may already have, and an order run now would be a second one. So it is not run (ADR 0022).
 */
export class LateRequestError extends RemoteError {
  constructor(pattern: string, lateByMs: number) {
    super(
      ERROR_CODES.CONTEXT_UNAVAILABLE,
      `${pattern} arrived ${Math.round(lateByMs / 1000)} s after its sender's deadline and was not run ` +
        `(held on the way, or this process stalled; if every request is late, this machine's clock is ahead of its callers')`,
    );
  }
}

/** How long after its sender's deadline, beyond LATE_REQUEST_ALLOWANCE_MS, a received request arrived; undefined when in time or without one. */
export function lateness(payload: unknown, now = Date.now()): number | undefined {
  const deadline = deadlineOf(payload);
  if (deadline === undefined || now - deadline <= LATE_REQUEST_ALLOWANCE_MS) return undefined;
  return now - deadline;
}
