import { RmqContext, ServerRMQ } from '@nestjs/microservices';
import type { Channel, ConsumeMessage, Message } from 'amqplib';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import { randomUUID } from 'node:crypto';
import { ERROR_CODES, QUERY_PATTERNS } from '@tessera/contracts';
import { DRAIN_MS, settledWithin } from '../handling/draining';
import { brokerRefusalOf } from './broker-refusal';
import { ChannelReopener, KeptChannels } from './channel-reopener';

/**
 * Nest's RabbitMQ server for the requests of one context, on its queue
 * `<ns>.<context>.request-queue` (or 0.1.0's, where a rolling upgrade from it left one: request-queue-choice.ts), shared by the context's replicas as competing
 * consumers. A request is acknowledged once its reply is sent: one taken by a
 * replica that dies first goes back to the queue, and the broker delivers it
 * again, marked redelivered. Another replica runs it again if it is a query;
 * a command, which may have taken effect, it answers CONTEXT_UNAVAILABLE
 * without running it (refuseRedelivered). A replica that is stopped stops
 * taking requests first and answers those it holds before it closes.
 * A channel the broker closed while the connection stayed up (a handler that
 * acknowledged what it should not have, say) is set up again (ChannelReopener),
 * so that the context does not stop taking requests with its connection up.
 * The requests that channel held went back to the queue as the broker closed
 * it, and come again as above, to another replica or the new channel.
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
   * Nest's setup, reporting the server listening once the broker has its
   * consumer. Nest calls `consume` without awaiting it and reports at once: a
   * replica's start resolved before it took a request (those sent meanwhile
   * went to the others), and a consumer the broker refused (a user without
   * read permission, another connection's exclusive consumer) went unheard,
   * the process up and taking nothing.
   * A queue or consumer the broker refuses fails the start with what to
   * change. Thrown on instead, the refusal would reach amqp-connection-manager
   * as an 'error' event nobody listens to, and end the process without a word
   * about which queue.
   */
  override async setupChannel(channel: Channel, callback: (error?: unknown) => void): Promise<void> {
    this.consumingChannel = channel;
    // amqplib also emits a refusal as the channel's 'error'; unheard, that ends the connection, reconnected in a loop.
    channel.on('error', () => undefined);
    // Nest makes one wrapper, on the first connect, and has it by the time the wrapper runs this setup.
    this.reopener ??= this.channels.reopener(this.queue, this.server!, this.logger).keep(this.channel!);
    this.reopener.follow(channel);
    let consuming: Promise<unknown> | undefined;
    const consume = channel.consume;
    channel.consume = (...args: Parameters<Channel['consume']>) => (consuming = consume.apply(channel, args));
    try {
      await super.setupChannel(channel, () => undefined);
      await consuming;
      this.setUp = true;
      callback();
    } catch (error) {
      const refusal = brokerRefusalOf(error, `the request queue ${this.queue}`);
      if (!refusal) throw error;
      // After a reconnect, the start that the callback would fail is long over.
      if (this.setUp) this.logger.error(refusal.message);
      else callback(refusal);
    } finally {
      Reflect.deleteProperty(channel, 'consume');
    }
  }

  override async handleMessage(received: Record<string, unknown>, channel: Channel): Promise<void> {
    const message = received as unknown as ConsumeMessage | null;
    if (!message?.properties.replyTo) return super.handleMessage(received, channel);
    const pattern = this.patternOf(message);
    // A message that is not JSON has no pattern here: Nest's own path answers it.
    if (message.fields.redelivered && pattern && !QUERY_PATTERNS.has(pattern) && this.getHandlerByPattern(pattern))
      return this.refuseRedelivered(message, channel, pattern);
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

  /**
   * A command the broker delivers again: a consumer took it and was gone before acknowledging it (killed, its
   * connection or channel lost), after running it or not. Run again, it could take effect twice (a stock adjustment
   * applied twice, a cancellation answered "not cancellable" by its own first run), where commands are sent once on
   * every transport: its caller hears CONTEXT_UNAVAILABLE, as a TCP or NATS caller does when the process answering it
   * dies, and may repeat it with its idempotency key where the command takes one. A query is run again: it changes
   * nothing, and so a replica's death costs a read nothing (ADR 0019).
   */
  private async refuseRedelivered(message: ConsumeMessage, channel: Channel, pattern: string): Promise<void> {
    const packet = (await this.deserializer.deserialize(JSON.parse(message.content.toString()), message.properties)) as { id?: string };
    this.logger.warn(`${pattern} came again after the process that took it stopped before answering: answered CONTEXT_UNAVAILABLE, not run again`);
    const refusal = {
      code: ERROR_CODES.CONTEXT_UNAVAILABLE,
      message: `${pattern} was taken by a process that stopped before answering; whether it took effect is unknown, and a command is not run twice`,
    };
    this.sendMessage(
      { id: packet.id, err: refusal, isDisposed: true },
      message.properties.replyTo as string,
      message.properties.correlationId as string,
      new RmqContext([message, channel, pattern]),
    );
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
