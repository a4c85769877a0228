/** The bounded contexts of the shop; each can run in its own process. */
export const CONTEXT_NAMES = ['users', 'catalog', 'ordering', 'payments'] as const;
export type ContextName = (typeof CONTEXT_NAMES)[number];
