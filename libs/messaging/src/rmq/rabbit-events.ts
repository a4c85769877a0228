import { Logger } from '@nestjs/common';
import { retryAfterMsOf } from '../events/redelivery-delay';
import type { EventHandoff } from '../events/broker-event.server';
import { GATEWAY, type EventConsumer } from '@tessera/contracts';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { AmqpConnectionManager, ChannelWrapper, connect } from 'amqp-connection-manager';
import { toWire } from '../correlation/correlation.envelope';
import { consumingContexts, patternsConsumedBy } from '../events/event-routes';
import { RemoteEventDelivery } from '../events/remote-event-delivery';
import { BrokerNames } from '../transports/broker-names';

const PUBLISH_TIMEOUT_MS = 5000;
const PREFETCH = 32;
// An event whose handler fails goes back to its queue after the pause its subscriber asked for (EventDeliveryRule), or this long.
const REDELIVERY_DELAY_MS = 2000;

/**
 * Integration events over RabbitMQ: a direct exchange routes each event to the
 * durable queue of each subscribing context (routing key: the context). Messages
 * are persistent and published with confirms; consumers acknowledge only after
 * the handler finished, so an event outlives a consumer that is down or dies
 * while handling it, and replicas of a context compete for its queue.
 * The gateway's events go through an exchange of their own to a queue that
 * each gateway process declares for itself while it runs.
 */
export class RabbitEvents implements RemoteEventDelivery {
  private readonly logger = new Logger('RabbitEvents');
  private connection?: AmqpConnectionManager;
  private publisher?: ChannelWrapper;
  private readonly consumers: ChannelWrapper[] = [];

  constructor(
    private readonly url: string,
    private readonly names: BrokerNames,
    private readonly processName: string,
  ) {
    // At once, not at the first event: a process that consumes none (users) would otherwise open it at the first
    // readiness probe, and answer that probe 503 while it connects.
    this.connect();
  }

  async deliver(subscriber: EventConsumer, pattern: string, payload: object): Promise<void> {
    const eventId = (payload as { eventId?: unknown }).eventId;
    this.publisher ??= this.connect().createChannel({
      name: `${this.processName}-events-publisher`,
      confirm: true,
      publishTimeout: PUBLISH_TIMEOUT_MS,
      setup: (channel: ConfirmChannel) => this.declareTopology(channel),
    });
    const [exchange, routingKey] = subscriber === GATEWAY ? [this.names.broadcastExchange, pattern] : [this.names.eventsExchange, subscriber];
    await this.publisher.publish(exchange, routingKey, Buffer.from(JSON.stringify(toWire(payload))), {
      persistent: true,
      contentType: 'application/json',
      headers: { pattern },
      ...(typeof eventId === 'string' ? { messageId: eventId } : {}),
    });
  }

  /**
   * Takes the events of one context and acknowledges each only after `handle`
   * resolved, one at a time in arrival order; a failed one goes back to the
   * queue after a pause. Resolves to a function that stops consuming once the
   * event in hand is done.
   */
  async consume(consumer: EventConsumer, handle: EventHandoff): Promise<() => Promise<void>> {
    let chain: Promise<void> = Promise.resolve();
    let stopping = false;
    // The subscription on the channel of the moment: a reconnect runs `setup` again, on a new channel with a new tag.
    let subscription: { channel: ConfirmChannel; consumerTag: string } | undefined;
    const take = (channel: ConfirmChannel, message: ConsumeMessage | null) => {
      if (!message) return;
      // Once stopping, the prefetched events not yet started go back to the queue unrun rather than all be handled
      // here first: a stop then waits for one handler, not for up to PREFETCH of them, and another replica takes them at
      // once. Their only cost is the redelivered mark, which makes the delivery rule look for a dead letter of each.
      chain = chain.then(() => (stopping ? settle(() => channel.nack(message, false, true)) : this.process(channel, message, handle)));
    };
    const channelWrapper = this.connect().createChannel({
      name: `${this.processName}-${consumer}-events`,
      setup: async (channel: ConfirmChannel) => {
        await this.declareTopology(channel);
        await channel.prefetch(PREFETCH);
        const source = consumer === GATEWAY ? await this.declareGatewayQueue(channel) : this.names.eventQueue(consumer);
        const { consumerTag } = await channel.consume(source, (message) => take(channel, message), { noAck: false });
        subscription = { channel, consumerTag };
      },
    });
    this.consumers.push(channelWrapper);
    await channelWrapper.waitForConnect();
    return async () => {
      stopping = true;
      // Cancelled, not closed, first: a closed channel cannot acknowledge the events still in hand, and the broker would
      // deliver each of them again to the next consumer, handled twice. A channel already gone has no consumer left.
      if (subscription) await subscription.channel.cancel(subscription.consumerTag).catch(() => undefined);
      await chain;
      await channelWrapper.close();
    };
  }

  /** Whether the broker connection is up right now, for readiness. */
  async isConnected(): Promise<boolean> {
    return this.connect().isConnected();
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.close().catch(() => undefined)));
    await this.publisher?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }

  private async process(channel: ConfirmChannel, message: ConsumeMessage, handle: EventHandoff): Promise<void> {
    const pattern = String(message.properties.headers?.pattern ?? '');
    let payload: unknown;
    try {
      payload = JSON.parse(message.content.toString('utf8'));
    } catch {
      this.logger.error(`Dropped an unreadable event from ${message.fields.routingKey}`);
      return settle(() => channel.nack(message, false, false));
    }
    try {
      await handle(pattern, payload, message.fields.redelivered);
      settle(() => channel.ack(message));
    } catch (error) {
      this.logger.warn(`Event ${pattern} failed, will come back: ${(error as Error).message}`);
      setTimeout(() => settle(() => channel.nack(message, false, true)), retryAfterMsOf(error) ?? REDELIVERY_DELAY_MS).unref();
    }
  }

  /**
   * Every process declares the exchange and every consuming context's queue,
   * the same way each time: an event published before its consumer's first
   * start must still be kept for it.
   */
  private async declareTopology(channel: ConfirmChannel): Promise<void> {
    await channel.assertExchange(this.names.eventsExchange, 'direct', { durable: true });
    await channel.assertExchange(this.names.broadcastExchange, 'direct', { durable: true });
    for (const context of consumingContexts()) {
      await channel.assertQueue(this.names.eventQueue(context), { durable: true });
      await channel.bindQueue(this.names.eventQueue(context), this.names.eventsExchange, context);
    }
  }

  /**
   * This gateway process's own queue of the gateway's events: named by the
   * broker, bound to each pattern the gateway consumes, and gone with the
   * connection. After a reconnect, a new one takes the events from then on.
   */
  private async declareGatewayQueue(channel: ConfirmChannel): Promise<string> {
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    for (const pattern of patternsConsumedBy(GATEWAY)) await channel.bindQueue(queue, this.names.broadcastExchange, pattern);
    return queue;
  }

  private connect(): AmqpConnectionManager {
    this.connection ??= connect([this.url], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      connectionOptions: { clientProperties: { connection_name: this.processName } },
    });
    return this.connection;
  }
}

/** Acknowledging on a channel that has closed throws; the broker then redelivers the message, which is what we want. */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    // See above.
  }
}
