/**
 * What the repository ports of every context share. Plain types: a domain
 * names them without knowing the store behind them.
 */

/**
 * A transaction someone else opened and will commit (the inbox's, for an
 * event handled once), which a load or save joins instead of opening its own.
 * What it is only the store that handed it out knows (an EntityManager for
 * TypeORM, a marker for the in-memory stores of specs).
 */
export type JoinedTransaction = object;

/** An integration event to publish if, and only if, the change it is stored with commits (through the context's outbox). */
export interface OutgoingIntegrationEvent {
  pattern: string;
  payload: object;
}

/**
 * The events that saves committed and hold back until the caller's
 * synchronous follow-up that acts on the same change is done: published at
 * the commit, an event's handler would race that follow-up. The caller
 * releases them; the outbox's relay publishes those never released (ADR 0007).
 */
export class HeldEvents {
  private readonly publications: (() => void)[] = [];

  /** For a repository: how to publish the events one save committed. */
  hold(publish: () => void): void {
    this.publications.push(publish);
  }

  /** Publishes what every save held here, once. */
  release(): void {
    for (const publish of this.publications.splice(0)) publish();
  }
}

/** When the events a save queued go out: once it commits, or when the HeldEvents they are held in are released. */
export type EventPublication = 'on-commit' | HeldEvents;
