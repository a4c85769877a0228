import { Logger } from '@nestjs/common';
import { retryAfterMsOf } from '../events/redelivery-delay';
import type { EventHandoff } from '../events/broker-event.server';
import { GATEWAY, type ContextName, type EventConsumer } from '@tessera/contracts';
import { faultPoint } from '@tessera/shared-kernel';
import type { ConfirmChannel, Connection, ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { AmqpConnectionManager, ChannelWrapper, connect, type CreateChannelOpts } from 'amqp-connection-manager';
import { toWire } from '../correlation/correlation.envelope';
import { consumingContexts, patternsConsumedBy } from '../events/event-routes';
import { RemoteEventDelivery } from '../events/remote-event-delivery';
import { BrokerNames, EVENT_RETRY_DELAYS_MS } from '../transports/broker-names';
import { BrokerRefusalError, brokerRefusalOf } from './broker-refusal';
import { ChannelReopener, KeptChannels } from './channel-reopener';
import { eventQueueArguments, retryQueueArguments, type RabbitEventQueueType } from './event-queue-type';

const PUBLISH_TIMEOUT_MS = 5000;
const PREFETCH = 32;
// An event whose handler fails comes back after the pause its subscriber asked for (EventDeliveryRule), or this long,
// rounded up to a retry queue's delay.
const REDELIVERY_DELAY_MS = 2000;
// Marks a failed event's copy that comes back from a retry queue: the broker delivers that copy as a new message
// (`redelivered` false), and the delivery rule must still know that its consumer may have failed it before.
const RETRIED_HEADER = 'x-tessera-redelivered';
// The records the broker adds to a message it dead-letters (x-death and its summaries), and a quorum queue's count of
// a message's returns. They are the broker's own, and its versions read them differently when a client publishes them
// again (3.13 changed it, 3.13.3 partly undid it): a copy goes without them, and the broker writes fresh ones when its
// retry queue expires it.
const BROKER_RECORD = /^x-((first-|last-)?death|delivery-count$)/;
// How long a channel the broker closed may go without a new one, or a request server's connection be down, before
// readiness says so: a new channel normally follows within the first pause (ChannelReopener), a new connection within
// amqp-connection-manager's pause (5 s for Nest's), and readiness need not flap for either.
const LOST_CHANNEL_GRACE_MS = 10_000;

/**
 * A retry queue, and how a copy reaches it: through the consumer's own events exchange, bound to it under its name,
 * so that a consumer needs no permission beyond the exchanges Tessera declares (the default exchange may be closed to
 * it, as it is to a user whose permissions are scoped to the namespace).
 */
interface RetryQueue {
  name: string;
  exchange: string;
}

/** Where a consumer takes its events from, and the retry queue of each delay, keyed by the delay. */
interface ConsumedQueue {
  name: string;
  retryQueues: ReadonlyMap<number, RetryQueue>;
}

/**
 * Integration events over RabbitMQ: a direct exchange routes each event to the
 * durable queue of each subscribing context (routing key: the context). Messages
 * are persistent and published with confirms; consumers acknowledge only after
 * the handler finished, so an event outlives a consumer that is down or dies
 * while handling it, and replicas of a context compete for its queue.
 * A failed event is acknowledged once a copy of it is stored in a retry
 * queue, whence it comes back after its pause: the consumer goes on with the
 * events behind it meanwhile, however many of them fail.
 * The gateway's events go through an exchange of their own to a queue that
 * each gateway process declares for itself while it runs, with retry queues
 * of its own that lead back to it.
 */
export class RabbitEvents implements RemoteEventDelivery {
  private readonly logger = new Logger('RabbitEvents');
  private connection?: AmqpConnectionManager;
  private publisher?: { channel: ChannelWrapper; refusal: Refusal };
  private readonly consumers: ChannelWrapper[] = [];
  /**
   * The name of this gateway process's queue on each connection it has had: made once per connection, since an exclusive
   * queue goes with its connection, and found again by every channel set up on it.
   */
  private readonly gatewayQueues = new WeakMap<Connection, string>();
  /** Every channel this process keeps on the broker, its request servers' too, brought back after the broker closed it. */
  readonly channels = new KeptChannels();

  constructor(
    /** RABBITMQ_URL's nodes, connected to in turn. */
    private readonly urls: readonly string[],
    private readonly names: BrokerNames,
    private readonly processName: string,
    /** The type of the durable queues that keep events, alike in every process (RABBITMQ_EVENT_QUEUE_TYPE). */
    private readonly queueType: RabbitEventQueueType = 'classic',
  ) {
    // At once, not at the first event: a process that consumes none (users) would otherwise open it at the first
    // readiness probe, and answer that probe 503 while it connects.
    this.connect();
  }

  async deliver(subscriber: EventConsumer, pattern: string, payload: object): Promise<void> {
    const eventId = (payload as { eventId?: unknown }).eventId;
    const publisher = (this.publisher ??= this.openPublisher());
    const [exchange, routingKey] = subscriber === GATEWAY ? [this.names.broadcastExchange, pattern] : [this.names.eventsExchange, subscriber];
    const published = publisher.channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(toWire(payload))), {
      persistent: true,
      contentType: 'application/json',
      headers: { pattern },
      ...(typeof eventId === 'string' ? { messageId: eventId } : {}),
    });
    try {
      await Promise.race([published, publisher.refusal.refused]);
    } catch (error) {
      if (error instanceof BrokerRefusalError && this.publisher === publisher) {
        // The next event tries again on a new channel, and finds the broker as the operator has left it by then.
        this.publisher = undefined;
        void publisher.channel.close().catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * Takes the events of one context and acknowledges each only after `handle`
   * resolved, one at a time in arrival order; a failed one comes back after a
   * pause, through a retry queue. Resolves to a function that stops consuming
   * once the event in hand is done.
   */
  async consume(consumer: EventConsumer, handle: EventHandoff): Promise<() => Promise<void>> {
    let chain: Promise<void> = Promise.resolve();
    let stopping = false;
    // The subscription on the channel of the moment: a reconnect, or a new channel after the broker closed one
    // (ChannelReopener), runs `setup` again, on a new channel with a new tag. The events in hand on a channel the broker
    // closed went back to the queue as it closed it: their acknowledgements fail (settle), and they come again, on the
    // new channel or to another replica, whose inbox drops those already processed.
    let subscription: { channel: ConfirmChannel; consumerTag: string } | undefined;
    const take = (channel: ConfirmChannel, queue: ConsumedQueue, message: ConsumeMessage | null) => {
      if (!message) {
        // amqplib's sign that the broker cancelled the consumer (its queue deleted), with the channel left open.
        if (!stopping) reopener.consumerCancelled(channel);
        return;
      }
      // Once stopping, the prefetched events not yet started go back to the queue unrun rather than all be handled
      // here first: a stop then waits for one handler, not for up to PREFETCH of them, and another replica takes them at
      // once. Their only cost is the redelivered mark, which makes the delivery rule look for a dead letter of each.
      chain = chain.then(() => (stopping ? settle(() => channel.nack(message, false, true)) : this.process(channel, queue, message, handle)));
    };
    const refusal = new Refusal();
    const { channel: channelWrapper, reopener } = this.openChannel(`${this.processName}-${consumer}-events`, refusal, async (channel) => {
      await this.declareTopology(channel);
      await channel.prefetch(PREFETCH);
      const queue = consumer === GATEWAY ? await this.declareGatewayQueues(channel) : await this.declareRetryQueues(channel, consumer);
      const { consumerTag } = await channel.consume(queue.name, (message) => take(channel, queue, message), { noAck: false });
      subscription = { channel, consumerTag };
    });
    this.consumers.push(channelWrapper);
    // A refusal fails the start (BrokerEventServer): no event of this consumer could be taken.
    await Promise.race([channelWrapper.waitForConnect(), refusal.refused]);
    return async () => {
      stopping = true;
      reopener.stop();
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

  /**
   * For readiness, the channels the broker closed more than `graceMs` ago
   * and that have no new one yet: with the connection up, a consumer without
   * its channel takes nothing (nor a request server requests), and no other
   * sign of it reaches a probe. Likewise the request servers' own connections
   * down for longer than that. A process whose consumer the broker keeps
   * refusing (its queue declared otherwise by hand) is not ready: a rollout
   * stops at it, and the probe names the channel to look at. A moment
   * without one is not: the reopener sets a new one up within its first pause.
   */
  lostChannels(graceMs = LOST_CHANNEL_GRACE_MS): string[] {
    return this.channels.lostLongerThan(graceMs);
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.close().catch(() => undefined)));
    await this.publisher?.channel.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }

  private async process(channel: ConfirmChannel, queue: ConsumedQueue, message: ConsumeMessage, handle: EventHandoff): Promise<void> {
    const pattern = String(message.properties.headers?.pattern ?? '');
    let payload: unknown;
    try {
      payload = JSON.parse(message.content.toString('utf8'));
    } catch {
      this.logger.error(`Dropped an unreadable event from ${message.fields.routingKey}`);
      return settle(() => channel.nack(message, false, false));
    }
    try {
      await handle(pattern, payload, message.fields.redelivered || message.properties.headers?.[RETRIED_HEADER] === true);
      settle(() => channel.ack(message));
    } catch (error) {
      const pauseMs = retryAfterMsOf(error) ?? REDELIVERY_DELAY_MS;
      const delayMs = retryDelayFor(pauseMs);
      const retryQueue = queue.retryQueues.get(delayMs)!;
      // The copy first, confirmed, and only then the acknowledgement, so that the event is always kept somewhere.
      // Killed before the copy is published, the process leaves the event unacknowledged, and the broker gives it to the
      // next consumer at once. Killed after the copy is stored (confirmed or not yet) and before the acknowledgement
      // reaches the broker, both come back, the event at once and the copy after its delay: the consumer's inbox drops
      // whichever comes second once the other is processed, and each failure of either counts towards the dead letter.
      // Killed after the acknowledgement, the copy alone is kept, and comes back to whatever process runs then. (A
      // gateway's queues go with its process, copies and all.)
      try {
        await this.storeRetry(channel, message, retryQueue);
      } catch (storing) {
        // Not stored (the channel closed, the retry queue was deleted by hand, or the broker, blocking publishers on a
        // memory or disk alarm, did not confirm within PUBLISH_TIMEOUT_MS): held for its pause and given back, as
        // before retry queues. The window of events in hand shrinks by one meanwhile. A copy the broker confirms after
        // the timeout comes back too, and the inbox drops whichever of the two is processed second.
        this.logger.error(`Event ${pattern} failed and could not wait in ${retryQueue.name} (${(storing as Error).message}); held ${pauseMs} ms instead`);
        setTimeout(() => settle(() => channel.nack(message, false, true)), pauseMs).unref();
        return;
      }
      // Killed here, the copy is stored and the event not acknowledged: the broker gives the event to the next consumer
      // at once, and the copy comes back after its delay; the inbox drops whichever is processed second.
      faultPoint(`rmq-retry:after-copy:${pattern}`);
      settle(() => channel.ack(message));
      this.logger.warn(`Event ${pattern} failed, will come back in ${delayMs} ms: ${(error as Error).message}`);
    }
  }

  /**
   * Publishes a copy of a failed event to a retry queue, and resolves once the
   * broker confirmed that the queue holds it; rejects when it did not within
   * PUBLISH_TIMEOUT_MS, so that a blocked connection does not hold the
   * consumer's events, or its stop. Mandatory: a retry queue deleted
   * meanwhile would otherwise take nothing, and the broker confirm the copy all
   * the same.
   */
  private storeRetry(channel: ConfirmChannel, message: ConsumeMessage, retryQueue: RetryQueue): Promise<void> {
    const { messageId, contentType, headers } = message.properties;
    const keptHeaders = Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !BROKER_RECORD.test(name)));
    return new Promise<void>((resolve, reject) => {
      let returned = false;
      let settled = false;
      // The broker returns an unroutable mandatory message before it confirms it; a consumer's channel has one in
      // flight at a time (its events are handled one after another), so a return on it is this copy's, short of a
      // late return of one given up unconfirmed, which at worst holds a stored copy's event for its pause as well.
      const onReturn = () => (returned = true);
      const confirmed = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(unconfirmed);
        channel.off('return', onReturn);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else if (returned) reject(new Error('returned by the broker: no queue of that name'));
        else resolve();
      };
      const unconfirmed = setTimeout(() => confirmed(new Error(`not confirmed within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
      unconfirmed.unref();
      channel.on('return', onReturn);
      try {
        channel.publish(
          retryQueue.exchange,
          retryQueue.name,
          message.content,
          { persistent: true, mandatory: true, contentType, messageId, headers: { ...keptHeaders, [RETRIED_HEADER]: true } },
          confirmed,
        );
      } catch (error) {
        confirmed(error);
      }
    });
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
      await channel.assertQueue(this.names.eventQueue(context), { durable: true, arguments: eventQueueArguments(this.queueType) });
      await channel.bindQueue(this.names.eventQueue(context), this.names.eventsExchange, context);
    }
  }

  private openPublisher(): { channel: ChannelWrapper; refusal: Refusal } {
    const refusal = new Refusal();
    const { channel } = this.openChannel(`${this.processName}-events-publisher`, refusal, (confirmChannel) => this.declareTopology(confirmChannel), {
      publishTimeout: PUBLISH_TIMEOUT_MS,
    });
    return { channel, refusal };
  }

  /**
   * A confirm channel named `name`, set up by `setup` (a refusal handed to
   * `refusal`), and set up again on a new channel whenever the broker closes
   * it with the connection up.
   */
  private openChannel(
    name: string,
    refusal: Refusal,
    setup: (channel: ConfirmChannel) => Promise<void>,
    options: Omit<CreateChannelOpts, 'name' | 'setup'> = {},
  ): { channel: ChannelWrapper; reopener: ChannelReopener } {
    const reopener = this.channels.reopener(name, this.connect(), this.logger);
    const channel = this.connect().createChannel({
      ...options,
      name,
      confirm: true,
      setup: (confirmChannel: ConfirmChannel) =>
        this.refusalIn(
          confirmChannel,
          async () => {
            reopener.follow(confirmChannel);
            await setup(confirmChannel);
          },
          refusal,
        ),
    });
    return { channel, reopener: reopener.keep(channel) };
  }

  /**
   * Runs a channel's setup, and hands a refusal by the broker (a queue or
   * exchange of ours declared otherwise by hand) to `refusal`, logged with
   * what to change. Thrown on, it would reach amqp-connection-manager as an
   * 'error' event nobody listens to, and end the process without a word.
   */
  private async refusalIn(channel: ConfirmChannel, setup: () => Promise<void>, refusal: Refusal): Promise<void> {
    // amqplib also emits the refusal as the channel's 'error'; unheard, that ends the connection and every channel on it.
    channel.on('error', () => undefined);
    try {
      await setup();
    } catch (error) {
      const refused = brokerRefusalOf(error, 'the event exchanges and queues', 'RABBITMQ_EVENT_QUEUE_TYPE');
      if (!refused) throw error;
      this.logger.error(refused.message);
      refusal.refuse(refused);
    }
  }

  /**
   * A context's retry queues: each keeps a failed event for its delay, then
   * dead-letters it through the events exchange to the context's queue. Only
   * the context's consumers publish to them, so they declare them; an event
   * waiting in one outlives any process, as one in the context's queue does.
   * A classic retry queue dead-letters it at most once, though: a context
   * queue that cannot take it when its delay is over loses it (ADR 0004,
   * consequences); a quorum one keeps it until that queue has it (ADR 0026).
   */
  private async declareRetryQueues(channel: ConfirmChannel, context: ContextName): Promise<ConsumedQueue> {
    const retryQueues = new Map<number, RetryQueue>();
    const exchange = this.names.eventsExchange;
    for (const delayMs of EVENT_RETRY_DELAYS_MS) {
      const name = this.names.eventRetryQueue(context, delayMs);
      await channel.assertQueue(name, {
        durable: true,
        messageTtl: delayMs,
        deadLetterExchange: exchange,
        deadLetterRoutingKey: context,
        arguments: retryQueueArguments(this.queueType),
      });
      // Under its own name, which no context shares: the events exchange routes by the bare context name.
      await channel.bindQueue(name, exchange, name);
      retryQueues.set(delayMs, { name, exchange });
    }
    return { name: this.names.eventQueue(context), retryQueues };
  }

  /**
   * This gateway process's own queue of the gateway's events: bound to each
   * pattern the gateway consumes, and exclusive to the connection, so gone
   * with it. After a reconnect, a new one takes the events from then on. Its
   * retry queues lead back to it alone, through the broadcast exchange under
   * this queue's own name (which no pattern is), and go with the connection
   * too: routed by the event's pattern a retry would reach every gateway
   * process, and a retry queue that outlived this one would hand its events to
   * nobody. A channel set up again on the same connection (ChannelReopener)
   * declares the same queues, and finds the events and retries waiting there.
   */
  private async declareGatewayQueues(channel: ConfirmChannel): Promise<ConsumedQueue> {
    let queue = this.gatewayQueues.get(channel.connection);
    if (!queue) this.gatewayQueues.set(channel.connection, (queue = this.names.gatewayEventQueue(randomUUID())));
    // Not auto-deleted: a channel the broker closes takes its consumer with it, and with an auto-deleted queue the
    // events in it, and the retries on their way to it, which the broker would then drop.
    await channel.assertQueue(queue, { exclusive: true });
    for (const pattern of patternsConsumedBy(GATEWAY)) await channel.bindQueue(queue, this.names.broadcastExchange, pattern);
    const exchange = this.names.broadcastExchange;
    await channel.bindQueue(queue, exchange, queue);
    const retryQueues = new Map<number, RetryQueue>();
    for (const delayMs of EVENT_RETRY_DELAYS_MS) {
      const name = this.names.gatewayEventRetryQueue(queue, delayMs);
      await channel.assertQueue(name, { exclusive: true, messageTtl: delayMs, deadLetterExchange: exchange, deadLetterRoutingKey: queue });
      await channel.bindQueue(name, exchange, name);
      retryQueues.set(delayMs, { name, exchange });
    }
    return { name: queue, retryQueues };
  }

  private connect(): AmqpConnectionManager {
    this.connection ??= connect([...this.urls], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      connectionOptions: { clientProperties: { connection_name: this.processName } },
    });
    return this.connection;
  }
}

/** The retry queue's delay a failed event waits for a pause of `pauseMs`: the shortest at least as long, or the longest. */
export function retryDelayFor(pauseMs: number): number {
  return EVENT_RETRY_DELAYS_MS.find((delayMs) => delayMs >= pauseMs) ?? EVENT_RETRY_DELAYS_MS[EVENT_RETRY_DELAYS_MS.length - 1];
}

/** A channel's refusal by the broker, as a promise that whoever waits on the channel races against. */
class Refusal {
  refuse!: (refusal: BrokerRefusalError) => void;
  readonly refused = new Promise<never>((_, reject) => (this.refuse = reject));

  constructor() {
    // Nobody may be racing it when it comes (a reconnect's setup, long after the start): it is logged, not unhandled.
    this.refused.catch(() => undefined);
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
