export const TOPOLOGY = Symbol('TOPOLOGY');
export const IN_PROCESS_BROKER = Symbol('IN_PROCESS_BROKER');
/** The broker's durable event queues (JetStream or RabbitMQ), when TRANSPORT names a broker. */
export const BROKER_EVENTS = Symbol('BROKER_EVENTS');
