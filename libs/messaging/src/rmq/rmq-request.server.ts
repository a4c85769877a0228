import { RmqContext, ServerRMQ } from '@nestjs/microservices';
import type { Channel, ConsumeMessage, Message } from 'amqplib';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import { randomUUID } from 'node:crypto';
import { DRAIN_MS, settledWithin } from '../handling/draining';
import { brokerRefusalOf } from './broker-refusal';
import { ChannelReopener, KeptChannels } from './channel-reopener';

/**
 * Nest's RabbitMQ server for the requests of one context, on its queue
 * `<ns>.<context>.request-queue`, shared by the context's replicas as competing
 * consumers. A request is acknowledged once its reply is sent: one taken by a
 * replica that dies first goes back to the queue and another replica answers
 * it, in time if the caller is still waiting. A replica that is stopped stops
 * taking requests first and answers those it holds before it closes.
 * A channel the broker closed while the connection stayed up (a handler that
 * acknowledged what it should not have, say) is set up again (ChannelReopener),
 * so that the context does not stop taking requests with its connection up.
 * The requests that channel held went back to the queue as the broker closed
 * it: another replica, or the new channel, answers those whose callers still
 * wait, and the process killed meanwhile leaves them there all the same.
 */
export class RmqRequestServer extends ServerRMQ {
  private consumingChannel?: Channel;
  private setUp = false;
  private readonly pending = new Set<Promise<void>>();
  private readonly answered = new WeakMap<object, () => void>();
  private readonly acknowledged = new WeakSet<object>();
  private reopener?: ChannelReopener;
  private stopFollowingConnection?: () => void;

  /**
   * `channels`: where readiness finds this server's channel when the broker closed it, and its connection while that
   * is down (the process's RabbitEvents').
   */
  constructor(
    options: ConstructorParameters<typeof ServerRMQ>[0],
    private readonly channels = new KeptChannels(),
  ) {
    // Nest names no consumer by default; a name lets close() stop taking requests while it answers those it holds.
    super({ consumerTag: `tessera-${randomUUID()}`, ...options });
  }

  /**
   * Nest's connection, this server's own: readiness counts it apart from the
   * process's RabbitEvents', whose connection may well be up while this one is
   * not (the broker restarted, and this one not yet connected again), and no
   * request is taken meanwhile.
   */
  override createClient<T = AmqpConnectionManager>(): T {
    const connection = super.createClient<AmqpConnectionManager>();
    this.stopFollowingConnection = this.channels.connection(`the connection of ${this.queue}`, connection);
    return connection as T;
  }

  /**
   * A queue the broker refuses to declare (one of that name made otherwise)
   * fails the start with what to change. Thrown on instead, the refusal would
   * reach amqp-connection-manager as an 'error' event nobody listens to, and
   * end the process without a word about which queue.
   */
  override async setupChannel(channel: Channel, callback: (error?: unknown) => void): Promise<void> {
    this.consumingChannel = channel;
    // amqplib also emits a refusal as the channel's 'error'; unheard, that ends the connection, reconnected in a loop.
    channel.on('error', () => undefined);
    // Nest makes one wrapper, on the first connect, and has it by the time the wrapper runs this setup.
    this.reopener ??= this.channels.reopener(this.queue, this.server!, this.logger).keep(this.channel!);
    this.reopener.follow(channel);
    try {
      await super.setupChannel(channel, callback);
      this.setUp = true;
    } catch (error) {
      const refusal = brokerRefusalOf(error, `the request queue ${this.queue}`);
      if (!refusal) throw error;
      // After a reconnect, the start that the callback would fail is long over.
      if (this.setUp) this.logger.error(refusal.message);
      else callback(refusal);
    }
  }

  override async handleMessage(received: Record<string, unknown>, channel: Channel): Promise<void> {
    const message = received as unknown as ConsumeMessage | null;
    if (!message?.properties.replyTo) return super.handleMessage(received, channel);
    let sent!: () => void;
    const answered = new Promise<void>((resolve) => (sent = resolve));
    this.answered.set(message, sent);
    const handled = (async () => {
      await super.handleMessage(received, channel);
      // Nest resolves once the handler is subscribed to, before its work has run: the reply marks the end.
      if (this.getHandlerByPattern(this.patternOf(message))) await answered;
    })().finally(() => {
      this.answered.delete(message);
      this.pending.delete(handled);
    });
    this.pending.add(handled);
    return handled;
  }

  /**
   * Nest's reply, sent the same way, but followed to its end: the request is
   * acknowledged once, at its first reply packet, and counts as answered when
   * the broker confirmed the reply. A second acknowledgement, like one of a
   * request Nest has already rejected (a pattern nobody here serves), would
   * close the channel.
   */
  override sendMessage<T>(message: T, replyTo: string, correlationId: string, context: RmqContext): void {
    const { options, ...packet } = this.serializer.serialize(message as Parameters<ServerRMQ['serializer']['serialize']>[0]) as {
      options?: Record<string, unknown>;
    };
    const sent: Promise<unknown> = (this.channel as ChannelWrapper).sendToQueue(replyTo, Buffer.from(JSON.stringify(packet)), { correlationId, ...options });
    const request = context.getMessage() as Message;
    if (!this.noAck && !this.acknowledged.has(request) && this.getHandlerByPattern(context.getPattern())) {
      this.acknowledged.add(request);
      try {
        (context.getChannelRef() as Channel).ack(request);
      } catch {
        // The channel closed under us: the broker gives the request to another consumer, which answers it again.
      }
    }
    const last = (message as { isDisposed?: boolean })?.isDisposed !== false;
    void sent
      .catch((error: Error) => this.logger.warn(`The reply to ${context.getPattern()} was not sent: ${error.message}`))
      .finally(() => last && this.answered.get(request)?.());
  }

  override async close(): Promise<void> {
    this.reopener?.stop();
    this.stopFollowingConnection?.();
    await this.consumingChannel?.cancel(this.getOptionsProp(this.options, 'consumerTag') as string).catch(() => undefined);
    await settledWithin([...this.pending], DRAIN_MS);
    await super.close();
  }

  private patternOf(message: ConsumeMessage): string {
    try {
      const pattern = (JSON.parse(message.content.toString()) as { pattern?: unknown }).pattern;
      return typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
    } catch {
      return '';
    }
  }
}
