/**
 * The request subscriptions of a process that the NATS server has refused
 * since they were made (an authorization reloaded without what the process's
 * user needs): for readiness, which names those refused longer than a grace.
 * NatsRequestServer subscribes again after growing pauses, and says here when
 * the server takes one again.
 */
export class RefusedSubscriptions {
  private readonly since = new Map<string, number>();

  refused(subject: string, now = Date.now()): void {
    if (!this.since.has(subject)) this.since.set(subject, now);
  }

  restored(subject: string): void {
    this.since.delete(subject);
  }

  /** The subscriptions refused more than `graceMs` ago and not taken again since, as readiness names them. */
  longerThan(graceMs: number, now = Date.now()): string[] {
    return [...this.since].filter(([, at]) => now - at > graceMs).map(([subject]) => `the subscription to ${subject} (permissions violation)`);
  }
}
