import { RmqContext, ServerRMQ } from '@nestjs/microservices';
import type { Channel, Message } from 'amqplib';

/**
 * Nest's RabbitMQ server for the requests of one context, on its queue
 * `tessera.<context>.requests`, shared by the context's replicas as competing
 * consumers. A request is acknowledged once its reply is sent: one taken by a
 * replica that dies first goes back to the queue and another replica answers
 * it, in time if the caller is still waiting.
 */
export class RmqRequestServer extends ServerRMQ {
  override sendMessage<T>(message: T, replyTo: unknown, correlationId: string, context: RmqContext): void {
    super.sendMessage(message, replyTo, correlationId, context);
    // Nest has already rejected a request for a pattern nobody here serves; acknowledging it again would close the channel.
    if (this.noAck || !this.getHandlerByPattern(context.getPattern())) return;
    try {
      (context.getChannelRef() as Channel).ack(context.getMessage() as Message);
    } catch {
      // The channel closed under us: the broker gives the request to another consumer, which answers it again.
    }
  }
}
