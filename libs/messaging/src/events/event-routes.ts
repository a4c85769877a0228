import { CONTEXT_NAMES, ContextName, EVENT_SUBSCRIBERS, EventConsumer } from '@tessera/contracts';

/** The event patterns a consumer (a context or the gateway) handles, as the contracts declare them. */
export function patternsConsumedBy(consumer: EventConsumer): string[] {
  return Object.entries(EVENT_SUBSCRIBERS)
    .filter(([, subscribers]) => subscribers.includes(consumer))
    .map(([pattern]) => pattern);
}

/** Every context that consumes at least one event: each gets its own durable queue on a broker. */
export function consumingContexts(): ContextName[] {
  return CONTEXT_NAMES.filter((context) => patternsConsumedBy(context).length > 0);
}

/** The consumers an event goes to. */
export function subscribersOf(pattern: string): readonly EventConsumer[] {
  return EVENT_SUBSCRIBERS[pattern] ?? [];
}
