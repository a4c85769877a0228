/** The end of every context's health-check pattern (`users.check-health`, …). */
const HEALTH_CHECK_SUFFIX = '.check-health';

/** How long a client's own probe of a context's health check waits: an ejected replica's, or the one after a command went unanswered. */
export const HEALTH_CHECK_PROBE_TIMEOUT_MS = 1000;

/**
 * Whether a pattern is a context's health check: asked every few seconds by
 * probes and dashboards, it is logged at debug and traced not at all, so that
 * neither the logs nor the traces drown in it.
 */
export function isHealthCheckPattern(pattern: string): boolean {
  return pattern.endsWith(HEALTH_CHECK_SUFFIX);
}

/** A context's health-check pattern, as its CHECK_HEALTH contract names it: `catalog.check-health`. */
export function healthCheckPatternOf(context: string): string {
  return `${context}${HEALTH_CHECK_SUFFIX}`;
}
