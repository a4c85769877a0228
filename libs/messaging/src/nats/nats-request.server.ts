import { MessageHandler, NatsContext, OutgoingResponse, ReadPacket, ServerNats } from '@nestjs/microservices';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants';
import { ERROR_CODES, type ContextName } from '@tessera/contracts';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { Msg, MsgHdrs, NatsConnection, NatsError, Subscription } from 'nats';
import { answerOf } from '../handling/answer-of';
import { DRAIN_MS, settledWithin, untilWithin } from '../handling/draining';
import type { DependencyUnavailableError } from '../startup/start-refusal';
import { BrokerNames } from '../transports/broker-names';
import { handlerOfPattern } from '../transports/plain-pattern-lookup';
import { natsPermissionRefusal, subscriptionRefusal } from './permission-refusal';
import { RefusedSubscriptions } from './refused-subscriptions';
import { replyParts } from './reply-parts';

/** The pause before subscribing again to requests the server refused: its authorization may be reloaded back soon. */
const FIRST_RESUBSCRIBE_PAUSE_MS = 1000;
/** The longest pause between two subscriptions the server keeps refusing. */
const LONGEST_RESUBSCRIBE_PAUSE_MS = 30_000;

/**
 * Nest's NATS server, answering the requests of the contexts this process
 * hosts. Each context is one subscription to `<ns>.<context>.*` in the queue
 * group `<ns>.<context>.requests`, so replicas share the requests and a pattern the context
 * does not serve is answered NO_HANDLER, while a context with no process at
 * all makes NATS answer "no responders" at once. Events do not come this
 * way: they are durable and come from JetStream.
 */
export class NatsRequestServer extends ServerNats {
  private readonly requestSubscriptions = new Map<ContextName, Subscription>();
  private readonly resubscribing = new Map<ContextName, { backoff: IBackoff<unknown>; timer?: NodeJS.Timeout }>();
  private inFlight = 0;
  private refusedSubscription?: DependencyUnavailableError;
  private listening = false;
  private closing = false;

  /** `refused`: where readiness finds the subscriptions the server refused after the start (the process's JetStreamEvents'). */
  constructor(
    private readonly contexts: readonly ContextName[],
    private readonly names: BrokerNames,
    options: ConstructorParameters<typeof ServerNats>[0],
    private readonly refused = new RefusedSubscriptions(),
  ) {
    super(options);
  }

  /**
   * Says it listens once the broker has the subscriptions, not when they are
   * queued on the connection: a caller sent here right after the start (a
   * restarted replica, the first request after a deploy) would otherwise meet
   * "no responders" while the SUB is still on its way. A subscription the
   * server refused (this process's NATS user may not take the context's
   * requests) fails the start: the server answers the SUB before the flush's
   * PONG, and a process that took no requests would otherwise report itself
   * ready.
   */
  override start(callback: (error?: unknown) => void): void {
    const client = this.unwrap<NatsConnection>();
    try {
      this.bindEvents(client);
    } catch (error) {
      callback(error);
      return;
    }
    client.flush().then(() => {
      this.listening = !this.refusedSubscription;
      if (this.listening) void this.followRefusals(client);
      callback(this.refusedSubscription);
    }, callback);
  }

  override bindEvents(client: NatsConnection): void {
    for (const context of this.contexts) this.subscribe(client, context);
  }

  private subscribe(client: NatsConnection, context: ContextName): void {
    this.requestSubscriptions.set(
      context,
      client.subscribe(this.names.requestWildcard(context), {
        queue: this.names.requestQueue(context),
        callback: (error, message) => {
          if (error) return this.subscriptionFailed(context, error);
          // Anyone can publish to these subjects: what one message makes go wrong must end with it, not with the process.
          this.handleRequest(this.names.patternOfRequestSubject(message.subject), message).catch((failure: unknown) =>
            this.logger.error(`A message on ${message.subject} failed: ${reasonOf(failure)}`),
          );
        },
      }),
    );
  }

  /** At the start, a subscription the server refused ends the start, and is said once, by whoever started the process. */
  private subscriptionFailed(context: ContextName, error: NatsError): void {
    const refusal = natsPermissionRefusal(error, `it takes none of ${context}'s requests`);
    if (!refusal) return this.logger.error(error);
    if (!this.listening) this.refusedSubscription ??= refusal;
  }

  /**
   * After the start, the server refuses a subscription by removing it when its authorization is reloaded without
   * it; it says so in an error whose subject is all nats.js may match it by, so the subscription may still look open
   * here. This process would take none of the context's requests while it looked ready: it subscribes again after
   * growing pauses, and readiness names the subscription meanwhile.
   */
  private async followRefusals(client: NatsConnection): Promise<void> {
    for await (const status of client.status()) {
      const refused = (status as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (status.type !== 'error' || refused?.operation !== 'subscription') continue;
      const context = this.contexts.find((hosted) => this.names.requestWildcard(hosted) === refused.subject);
      // One being subscribed again learns of its own refusal from its subscription, at once.
      if (context && !this.closing && !this.resubscribing.has(context)) this.subscriptionRefused(client, context);
    }
  }

  private subscriptionRefused(client: NatsConnection, context: ContextName): void {
    const subject = this.names.requestWildcard(context);
    this.refused.refused(subject);
    const attempt = this.resubscribing.get(context);
    const backoff = attempt
      ? attempt.backoff.next(undefined)
      : new ExponentialBackoff({ initialDelay: FIRST_RESUBSCRIBE_PAUSE_MS, maxDelay: LONGEST_RESUBSCRIBE_PAUSE_MS }).next();
    const pauseMs = Math.round(backoff.duration);
    this.logger.error(`${subscriptionRefusal(subject, `it takes none of ${context}'s requests`).message}; subscribing again in ${pauseMs} ms`);
    const timer = setTimeout(() => void this.subscribeAgain(client, context), pauseMs);
    timer.unref();
    this.resubscribing.set(context, { backoff, timer });
  }

  /** Taken again when the server has not refused the new subscription by the time it answers the flush after it. */
  private async subscribeAgain(client: NatsConnection, context: ContextName): Promise<void> {
    if (this.closing || client.isClosed()) return;
    // The server has dropped the one it refused; nats.js may not know it has.
    this.requestSubscriptions.get(context)?.unsubscribe();
    this.subscribe(client, context);
    await client.flush().catch(() => undefined);
    if (this.closing) return;
    // Refused again: the server's error, naming the queue this time, came before the flush's answer, and nats.js has
    // closed the subscription it matched.
    if (this.requestSubscriptions.get(context)?.isClosed()) {
      this.subscriptionRefused(client, context);
      return;
    }
    this.resubscribing.delete(context);
    this.refused.restored(this.names.requestWildcard(context));
    this.logger.log(`NATS takes the subscription to ${this.names.requestWildcard(context)} again`);
  }

  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return handlerOfPattern(this.messageHandlers, pattern, (json) => super.getHandlerByPattern(json));
  }

  override async close(): Promise<void> {
    this.closing = true;
    for (const { timer } of this.resubscribing.values()) clearTimeout(timer);
    for (const context of this.resubscribing.keys()) this.refused.restored(this.names.requestWildcard(context));
    const drainStarted = Date.now();
    // Drained, not dropped: a request the broker routed here before it saw the unsubscription is still handled.
    // Bounded, since a drain waits for the broker, which may be the thing that is gone.
    await settledWithin(
      [...this.requestSubscriptions.values()].filter((subscription) => !subscription.isClosed()).map((subscription) => subscription.drain()),
      DRAIN_MS,
    );
    await untilWithin(() => this.inFlight === 0, DRAIN_MS - (Date.now() - drainStarted));
    await super.close();
  }

  /**
   * Answers a request with one reply packet once its handler is done, and
   * counts it in flight until then, so that a stop waits for the work and not
   * just its start. Nest's own path for it (a publisher per message, the
   * handler's answer turned into an observable, and its lookup of the
   * pattern) cost as much as the round trip through NATS; the packets are
   * the same: `{ id, response, isDisposed }` or `{ id, err, isDisposed }`.
   */
  private async handleRequest(pattern: string, message: Msg): Promise<void> {
    this.inFlight++;
    try {
      let packet: ReadPacket & { id?: string };
      try {
        packet = (await this.deserializer.deserialize(message.data, { channel: pattern, replyTo: message.reply })) as ReadPacket & { id?: string };
      } catch (error) {
        // As the TCP server does with a frame that is not JSON; here a reply subject, when there is one, can say so at once.
        this.logger.error(`A message on ${message.subject} is not a request: ${reasonOf(error)}`);
        this.reply(message, { err: { code: ERROR_CODES.VALIDATION_FAILED, message: 'The request is not a JSON message' }, isDisposed: true });
        return;
      }
      const context = new NatsContext([message.subject, message.headers as Parameters<ServerNats['handleMessage']>[1]['headers']]);
      if (packet.id === undefined) {
        await this.handleEvent(pattern, packet, context);
        return;
      }
      const id = packet.id;
      const respond = (reply: Partial<OutgoingResponse>) => this.reply(message, { ...reply, id });
      const handler = this.getHandlerByPattern(pattern);
      if (!handler) {
        respond({ status: 'error', err: NO_MESSAGE_HANDLER });
        return;
      }
      let response: unknown;
      try {
        response = await answerOf(handler(packet.data, context));
      } catch (error) {
        // A handler's failure, through Nest's exception filter, is the error payload the client turns into a RemoteError.
        respond({ err: error, isDisposed: true });
        return;
      }
      try {
        this.sendReply(message, { response, isDisposed: true, id });
      } catch (error) {
        // An answer too large to send even in parts: the caller hears INTERNAL, and this log says why.
        this.logger.error(`The answer to ${pattern} could not be sent: ${reasonOf(error)}`);
        respond({ err: error, isDisposed: true });
      }
    } finally {
      this.inFlight--;
    }
  }

  /**
   * Sends `packet` to the request's reply subject, if it has one, or logs
   * that it could not. nats.js 2.x drops a reply to a connection that closed
   * under its handler (one that outlasted a stop's drain) without a word; a
   * reply that throws is lost as well. Either way its caller gives up by its
   * timeout, as it would had this process been killed, and the process goes on.
   */
  private reply(message: Msg, packet: Partial<OutgoingResponse>): void {
    try {
      this.sendReply(message, packet);
    } catch (error) {
      this.logger.warn(`The reply to a request on ${message.subject} was lost: ${reasonOf(error)}`);
    }
  }

  /**
   * A reply larger than the server takes in one message (its max_payload) goes in parts, which NatsRequestClient puts
   * together: NATS would refuse it whole, where every other transport carries it.
   */
  private sendReply(message: Msg, packet: Partial<OutgoingResponse>): void {
    if (!message.reply) return;
    // A reply without an id (to a message that had none to read) is still the caller's: a client matches it by its subject.
    const outgoing = this.serializer.serialize(packet as OutgoingResponse) as { data: Uint8Array; headers?: MsgHdrs };
    const maxPayload = this.unwrap<NatsConnection>().info?.max_payload ?? Number.POSITIVE_INFINITY;
    for (const part of replyParts(outgoing.data, outgoing.headers, maxPayload)) message.respond(part.data, { headers: part.headers });
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
