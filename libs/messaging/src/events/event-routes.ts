import { CONTEXT_NAMES, ContextName, EVENT_SUBSCRIBERS } from '@tessera/contracts';

/** The event patterns a context consumes, as the contracts declare them. */
export function patternsConsumedBy(context: ContextName): string[] {
  return Object.entries(EVENT_SUBSCRIBERS)
    .filter(([, subscribers]) => subscribers.includes(context))
    .map(([pattern]) => pattern);
}

/** Every context that consumes at least one event: each gets its own durable queue on a broker. */
export function consumingContexts(): ContextName[] {
  return CONTEXT_NAMES.filter((context) => patternsConsumedBy(context).length > 0);
}

/** The contexts an event goes to. */
export function subscribersOf(pattern: string): readonly ContextName[] {
  return EVENT_SUBSCRIBERS[pattern] ?? [];
}
