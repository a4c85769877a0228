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
 * When the events a save queued go out: once it commits, or, `held`, when the
 * caller asks, after the synchronous follow-up that acts on the same change
 * (published at the commit, the event's handler would race that follow-up).
 * The outbox's relay publishes held events that nobody asks for.
 */
export type EventPublication = 'on-commit' | 'held';
