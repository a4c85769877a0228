/** What RABBITMQ_EVENT_QUEUE_TYPE may name: RabbitMQ's queue types that keep Tessera's events. */
export const RABBIT_EVENT_QUEUE_TYPES = ['classic', 'quorum'] as const;
export type RabbitEventQueueType = (typeof RABBIT_EVENT_QUEUE_TYPES)[number];

/**
 * The arguments of a context's durable event queue. A classic queue lives on
 * one node of a cluster, and what it holds is away while that node is; a
 * quorum queue is replicated on a majority of the nodes (ADR 0026).
 */
export function eventQueueArguments(type: RabbitEventQueueType): Record<string, unknown> {
  return type === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
}

/**
 * The arguments of a context's retry queue, besides its TTL and dead-letter
 * route. A classic queue dead-letters an expired message at most once: one
 * its context's queue cannot take then is dropped. A quorum queue keeps it
 * until the context's queue has confirmed it (`at-least-once`), which RabbitMQ
 * does only for a queue that refuses publishes when full (`reject-publish`)
 * rather than dropping its oldest message.
 */
export function retryQueueArguments(type: RabbitEventQueueType): Record<string, unknown> {
  return type === 'quorum' ? { 'x-queue-type': 'quorum', 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } : {};
}
