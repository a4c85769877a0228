export const TOPOLOGY = Symbol('TOPOLOGY');
export const IN_PROCESS_BROKER = Symbol('IN_PROCESS_BROKER');
/** The broker's durable event queues (JetStream or RabbitMQ), when TRANSPORT names a broker. */
export const BROKER_EVENTS = Symbol('BROKER_EVENTS');
/** Optional: a `() => number` giving the request timeout at the moment of each call, for a timeout that changes while running (else the topology's). */
export const REQUEST_TIMEOUT_MS = Symbol('REQUEST_TIMEOUT_MS');
/** On RabbitMQ, the request queue of each context this process reaches or hosts (RabbitRequestQueues); else undefined. */
export const RABBIT_REQUEST_QUEUES = Symbol('RABBIT_REQUEST_QUEUES');
