/** The bounded contexts of the shop; each can run in its own process. */
export const CONTEXT_NAMES = ['users', 'catalog', 'ordering', 'payments'] as const;
export type ContextName = (typeof CONTEXT_NAMES)[number];

/** The HTTP front, which consumes events too: it keeps per-process caches that events correct. */
export const GATEWAY = 'gateway' as const;

/**
 * Who consumes integration events. A context's processes share its events
 * (one of them processes each, through its inbox); every gateway process hears
 * every event the gateway consumes, because what it keeps lives in its memory.
 */
export type EventConsumer = ContextName | typeof GATEWAY;
