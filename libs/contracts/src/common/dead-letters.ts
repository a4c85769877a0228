import { CONTEXT_NAMES, type ContextName } from './context-name';

/** The requests every context answers about its own dead letters: list, replay to that one consumer, discard. */
export const DEAD_LETTER_PATTERNS: Readonly<Record<ContextName, { LIST: string; REPLAY: string; DISCARD: string }>> = Object.fromEntries(
  CONTEXT_NAMES.map((context) => [
    context,
    { LIST: `${context}.list-dead-letters`, REPLAY: `${context}.replay-dead-letter`, DISCARD: `${context}.discard-dead-letter` },
  ]),
) as Record<ContextName, { LIST: string; REPLAY: string; DISCARD: string }>;

/** An event one consumer failed to process EVENT_MAX_ATTEMPTS times, parked for an operator (v1). */
export interface DeadLetterView {
  id: string;
  context: ContextName;
  consumer: string;
  pattern: string;
  eventId: string;
  attempts: number;
  lastError: string;
  firstFailedAt: string;
  lastFailedAt: string;
  payload: Record<string, unknown>;
}

/** <context>.list-dead-letters (v1): newest failure first; `pattern` narrows to one event type. */
export interface ListDeadLettersRequest {
  pattern?: string;
  offset: number;
  limit: number;
}

/** One slice of a context's dead letters, and how many match in all. */
export interface DeadLetterSlice {
  items: DeadLetterView[];
  total: number;
}

/**
 * <context>.replay-dead-letter and <context>.discard-dead-letter (v1), by the
 * admin `requestedBy`; DEAD_LETTER_NOT_FOUND when this context has no such dead letter.
 */
export interface DeadLetterActionRequest {
  id: string;
  requestedBy: string;
}
