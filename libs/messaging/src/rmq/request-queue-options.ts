import { RmqRecordSerializer } from '@nestjs/microservices/serializers/rmq-record.serializer';
import type { Serializer } from '@nestjs/microservices';

/**
 * How a context declares its request queue, alike in every replica (the
 * broker refuses a second declaration that differs), whatever each process's
 * REQUEST_TIMEOUT_MS: the timeout is each request's own expiration instead
 * (RequestExpiringSerializer). Callers do not declare it: the context that
 * consumes it owns it.
 */
export const REQUEST_QUEUE_OPTIONS = { durable: true } as const;

/**
 * Nest's RabbitMQ record serializer, with each request given the callers'
 * timeout of the moment as its expiration: a request nobody took within it
 * expires in the queue instead of running long after its caller gave up, and
 * a timeout changed while running (CONFIG_FILE) applies from the next request.
 */
export class RequestExpiringSerializer implements Serializer {
  private readonly records = new RmqRecordSerializer();

  constructor(private readonly timeoutMs: () => number) {}

  serialize(packet: Parameters<RmqRecordSerializer['serialize']>[0]): ReturnType<RmqRecordSerializer['serialize']> {
    const serialized = this.records.serialize(packet);
    return { ...serialized, options: { ...serialized.options, expiration: String(this.timeoutMs()) } };
  }
}
