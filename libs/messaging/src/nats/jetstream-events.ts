import { Logger } from '@nestjs/common';
import { timeout, TimeoutStrategy } from 'cockatiel';
import { retryAfterMsOf } from '../events/redelivery-delay';
import type { EventHandoff } from '../events/broker-event.server';
import { GATEWAY, type ContextName, type EventConsumer } from '@tessera/contracts';
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  JSONCodec,
  NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from 'nats';
import { toWire } from '../correlation/correlation.envelope';
import { consumingContexts } from '../events/event-routes';
import { RemoteEventDelivery } from '../events/remote-event-delivery';
import { BrokerNames } from '../transports/broker-names';
import { NATS_CONNECTION_UPKEEP, natsConnectionOptions } from './nats-connection-options';
import { natsPermissionRefusal } from './permission-refusal';
import { streamReplicasRefusal } from './stream-replicas';
import { RefusedSubscriptions } from './refused-subscriptions';

const PUBLISH_TIMEOUT_MS = 5000;
// An event whose handler fails comes back after the pause its subscriber asked for (EventDeliveryRule), or this long.
const REDELIVERY_DELAY_MS = 2000;
// A consumer that dies holding a message gives it back after this. The wait starts when a message enters the client's
// buffer, and again when its handler starts if it waited there (startsWaitAgain), so a handler has nearly all of it;
// the events ahead of it in the buffer (BUFFERED at most) must be handled within it too, which at tens of milliseconds
// each they are. One that waited longer comes twice, and the inbox drops the second.
const ACK_WAIT_MS = 30_000;
// How old an event may be at its handler's start and still count as just delivered (startsWaitAgain).
const JUST_DELIVERED_MS = 1000;
const BUFFERED = 64;
// How long each pull the consumer keeps open lasts, which also paces nats.js's recovery of a consumer the server lost
// (it asks for the consumer's info again after this, then after each heartbeat, expires / 2, that goes missing): with
// its default of 30 s, a context took 30-45 s to take events again after a server came back without its JetStream
// state. An idle consumer renews a pull this often, a message of a few bytes.
const PULL_EXPIRES_MS = 5000;
// How long to wait before declaring the streams and consumers again when the server that came back refused it: a
// second at first, twice as long after each refusal up to a minute, since a refusal that lasts (a consumer declared
// otherwise by hand) would otherwise be asked and logged every second for as long as the connection lives.
const REDECLARE_FIRST_PAUSE_MS = 1000;
const REDECLARE_MAX_PAUSE_MS = 60_000;
// How long a gateway that lost its connection can still catch up on what it missed; its caches expire by themselves after that.
const BROADCAST_KEPT_MS = 10 * 60 * 1000;
// How long readiness waits for the server to answer a ping on the events connection, as long as a context's database
// gets to answer its health check. A server that does not answer over a connection that stays open (a network
// partition, a host gone without closing anything) would otherwise count as up until the client's own pings, two
// minutes apart by default, gave the connection up.
const ROUND_TRIP_TIMEOUT_MS = 1500;
const withinRoundTripTimeout = timeout(ROUND_TRIP_TIMEOUT_MS, TimeoutStrategy.Aggressive);
const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/**
 * Integration events over NATS JetStream. Each consuming context has a durable
 * consumer on its own subjects, `<ns>.events.<context>.<pattern>`, in a
 * work-queue stream: an event stays stored until that context acknowledges it,
 * whether or not one of its processes is running, and replicas of the context
 * pull from the same consumer, so each event is processed by one of them.
 * The gateway's events go to a stream of their own, which every gateway
 * process reads from the moment it starts (an ordered consumer of its own).
 */
// How long a request subscription the server refused may go without being taken again before readiness says so.
const REFUSED_SUBSCRIPTION_GRACE_MS = 10_000;

export class JetStreamEvents implements RemoteEventDelivery {
  private readonly logger = new Logger('JetStreamEvents');
  private readonly codec = JSONCodec<object>();
  private connection?: Promise<NatsConnection>;
  private connected = false;
  /** How each gateway consumer of this process starts over on a broadcast stream declared anew; see consumeBroadcast. */
  private readonly broadcastRestarts = new Set<() => Promise<void>>();
  private redeclaring?: Promise<void>;
  /** The ping readiness sent and the server has not answered yet, waited for by the checks after it rather than sent again. */
  private pong?: Promise<void>;
  /** The request subscriptions of this process's NatsRequestServer that the server refused after the start, for readiness. */
  readonly refusedSubscriptions = new RefusedSubscriptions();

  constructor(
    /** NATS_URL's servers. */
    private readonly urls: readonly string[],
    private readonly names: BrokerNames,
    private readonly processName: string,
    private readonly inboxPrefix: string,
    /** On how many servers of a JetStream cluster each stream keeps every event (NATS_STREAM_REPLICAS, ADR 0026). */
    private readonly streamReplicas = 1,
  ) {}

  async deliver(subscriber: EventConsumer, pattern: string, payload: object): Promise<void> {
    const js = await this.jetStream();
    const eventId = (payload as { eventId?: unknown }).eventId;
    const subject = subscriber === GATEWAY ? this.names.broadcastSubject(pattern) : this.names.eventSubject(subscriber, pattern);
    await js.publish(subject, this.codec.encode(toWire(payload)), {
      timeout: PUBLISH_TIMEOUT_MS,
      // Within the stream's duplicate window a republished event (a relay that crashed before marking it sent) is dropped here already.
      ...(typeof eventId === 'string' ? { msgID: `${eventId}:${subscriber}` } : {}),
    });
  }

  /**
   * Takes the events of one context, one at a time, and acknowledges each only
   * after `handle` resolved; a failed one comes back later. Resolves to a
   * function that stops consuming once the event in hand is done.
   */
  async consume(consumer: EventConsumer, handle: EventHandoff): Promise<() => Promise<void>> {
    if (consumer === GATEWAY) return this.consumeBroadcast(handle);
    const js = await this.jetStream();
    const durable = await js.consumers.get(this.names.eventsStream, consumer);
    const messages = await durable.consume({ max_messages: BUFFERED, expires: PULL_EXPIRES_MS });
    const done = (async () => {
      for await (const message of messages) await this.process(consumer, message, handle);
    })().catch((error: Error) => this.logger.error(`The event consumer of ${consumer} stopped: ${error.message}`));
    return async () => {
      await messages.close();
      await done;
    };
  }

  /**
   * Takes the gateway's events published from now on. The consumer is this
   * process's alone and follows the stream across reconnects; the gateway's
   * handlers only correct its caches, so one that fails is logged, not retried.
   * A broadcast stream declared anew (the server came back without its
   * JetStream state) numbers its messages from 1 again, and an ordered
   * consumer waits for the number after the last it saw, so it would take
   * nothing until the new stream got that far: the consumer is then made
   * again, from the new stream's start.
   */
  private async consumeBroadcast(handle: EventHandoff): Promise<() => Promise<void>> {
    let consuming = await this.openBroadcastConsumer(handle, 'from-now');
    const restart = async () => {
      await consuming();
      consuming = await this.openBroadcastConsumer(handle, 'from-the-start');
    };
    this.broadcastRestarts.add(restart);
    return async () => {
      this.broadcastRestarts.delete(restart);
      await consuming();
    };
  }

  private async openBroadcastConsumer(handle: EventHandoff, from: 'from-now' | 'from-the-start'): Promise<() => Promise<void>> {
    const js = await this.jetStream();
    const prefix = this.names.broadcastSubject('');
    const ordered = await js.consumers.get(this.names.broadcastStream, {
      // Only the gateway's events are broadcast; one filter, as servers before 2.10 take no more.
      filterSubjects: this.names.broadcastSubject('>'),
      // Without a policy an ordered consumer starts at the stream's first message (DeliverPolicy.All is refused beside
      // the start sequence nats.js sets).
      ...(from === 'from-now' ? { deliver_policy: DeliverPolicy.New } : {}),
    });
    const messages = await ordered.consume({ expires: PULL_EXPIRES_MS });
    const done = (async () => {
      for await (const message of messages) {
        const pattern = message.subject.slice(prefix.length);
        await Promise.resolve()
          .then(() => handle(pattern, this.codec.decode(message.data), false))
          .catch((error: Error) => this.logger.warn(`The gateway could not handle ${pattern}: ${error.message}`));
      }
    })().catch((error: Error) => this.logger.error(`The gateway's event consumer stopped: ${error.message}`));
    return async () => {
      await messages.close();
      await done;
    };
  }

  /** Whether the broker connection is up right now and the server answers a ping on it in time, for readiness. */
  async isConnected(): Promise<boolean> {
    const connection = await this.connect().catch(() => undefined);
    if (!connection || connection.isClosed() || !this.connected) return false;
    if (!this.pong) {
      this.pong = connection.flush().finally(() => (this.pong = undefined));
      // Answered or not after the timeout, no check may be waiting for it any more.
      this.pong.catch(() => undefined);
    }
    const pong = this.pong;
    return withinRoundTripTimeout
      .execute(() => pong)
      .then(
        () => true,
        () => false,
      );
  }

  /**
   * For readiness, the request subscriptions the server refused more than `graceMs` ago and has not taken again: the
   * connection is up and the process takes none of that context's requests. A moment without is not: the server
   * resubscribes after its first pause, and readiness need not flap for an authorization reloaded back at once.
   */
  lostChannels(graceMs = REFUSED_SUBSCRIPTION_GRACE_MS): string[] {
    return this.refusedSubscriptions.longerThan(graceMs);
  }

  async close(): Promise<void> {
    const connection = await this.connection?.catch(() => undefined);
    if (connection && !connection.isClosed()) await connection.drain().catch(() => connection.close());
  }

  private async process(context: ContextName, message: JsMsg, handle: EventHandoff): Promise<void> {
    const pattern = message.subject.slice(this.names.eventSubjectPrefix(context).length + 1);
    let payload: unknown;
    try {
      payload = this.codec.decode(message.data);
    } catch {
      this.logger.error(`Dropped an unreadable event on ${message.subject}`);
      return message.term('unreadable payload');
    }
    if (startsWaitAgain(message.info.timestampNanos)) message.working();
    try {
      await handle(pattern, payload, message.info.redeliveryCount > 1);
      message.ack();
    } catch (error) {
      this.logger.warn(`Event ${pattern} (delivery ${message.info.redeliveryCount}) failed, will come back: ${(error as Error).message}`);
      message.nak(retryAfterMsOf(error) ?? REDELIVERY_DELAY_MS);
    }
  }

  private async jetStream(): Promise<JetStreamClient> {
    const connection = await this.connect();
    return connection.jetstream();
  }

  private connect(): Promise<NatsConnection> {
    this.connection ??= (async () => {
      const connection = await connect({
        ...natsConnectionOptions(this.urls),
        name: `${this.processName}-events`,
        // The JetStream API's answers and the events a pull brings come to inboxes under it.
        inboxPrefix: this.inboxPrefix,
        ...NATS_CONNECTION_UPKEEP,
        // Otherwise nats.js makes two errors with stack traces for every publish (its request to the stream and that
        // request's timer), whether it fails or not, only to append where it started to a timeout's stack; a failed
        // publish is logged by its message, and the outbox relay retries it.
        noAsyncTraces: true,
      });
      try {
        await this.ensureStreamAndConsumers(connection);
      } catch (error) {
        // Closed, or it would go on reconnecting for a caller that has been told it failed.
        await connection.close().catch(() => undefined);
        throw natsPermissionRefusal(error, 'it can keep no events in JetStream, nor take any') ?? streamReplicasRefusal(error, this.streamReplicas) ?? error;
      }
      this.connected = true;
      void this.followStatus(connection);
      return connection;
    })();
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  private async followStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.logger.warn(`Lost the NATS connection; reconnecting`);
      } else if (status.type === 'reconnect') {
        this.connected = true;
        this.logger.log(`NATS connection back`);
        // The server may be back without its JetStream state (a new node, a lost volume): then publishes have no stream
        // and consumers nothing to pull from until they are declared again, as RabbitMQ's `setup` does on each reconnect.
        this.redeclaring ??= this.declareUntilDone(connection).finally(() => (this.redeclaring = undefined));
      }
    }
  }

  private async declareUntilDone(connection: NatsConnection): Promise<void> {
    for (let attempt = 1; !connection.isClosed(); attempt++) {
      try {
        if ((await this.ensureStreamAndConsumers(connection)) === 'broadcast-created') await this.restartBroadcastConsumers();
        return;
      } catch (error) {
        this.logger.warn(`Could not declare the event streams again (attempt ${attempt}): ${(error as Error).message}`);
        const pauseMs = Math.min(REDECLARE_MAX_PAUSE_MS, REDECLARE_FIRST_PAUSE_MS * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, pauseMs).unref());
      }
    }
  }

  private async restartBroadcastConsumers(): Promise<void> {
    for (const restart of this.broadcastRestarts) {
      await restart().catch((error: Error) => this.logger.error(`Could not consume the gateway's events again: ${error.message}`));
    }
  }

  /**
   * Every process declares the stream and every context's consumer, the same
   * way each time: an event published before its consumer's first start must
   * still be kept for it. Says whether the broadcast stream had to be created.
   */
  private async ensureStreamAndConsumers(connection: NatsConnection): Promise<'broadcast-created' | 'broadcast-kept'> {
    const manager = await connection.jetstreamManager();
    const stream = {
      name: this.names.eventsStream,
      subjects: [`${this.names.namespace}.events.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      // No age limit: an event stays until its context takes it, however long that context was down (ADR 0004); the
      // outbox has marked it published and will not send it again.
      max_age: 0,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      num_replicas: this.streamReplicas,
    };
    const broadcast = {
      name: this.names.broadcastStream,
      subjects: [this.names.broadcastSubject('>')],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(BROADCAST_KEPT_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      num_replicas: this.streamReplicas,
    };
    await this.declareStream(manager, stream);
    const broadcastCreated = await this.declareStream(manager, broadcast);
    const name = this.names.eventsStream;
    for (const context of consumingContexts()) {
      await manager.consumers.add(name, {
        durable_name: context,
        filter_subject: `${this.names.eventSubjectPrefix(context)}.>`,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(ACK_WAIT_MS),
        max_ack_pending: 1000,
      });
    }
    return broadcastCreated ? 'broadcast-created' : 'broadcast-kept';
  }

  /**
   * Adds the stream, or brings one that exists to `config`'s subjects,
   * limits and replicas: one an earlier version made, with other limits, would
   * go on applying them, and a cluster scales a stream's replicas in place.
   * Retention and storage are never changed, as JetStream refuses to. Resolves
   * to whether this call created it.
   */
  private async declareStream(
    manager: JetStreamManager,
    config: Pick<StreamConfig, 'name' | 'subjects' | 'max_age' | 'duplicate_window' | 'num_replicas'> & Partial<StreamConfig>,
  ): Promise<boolean> {
    let created = false;
    // Of two processes starting at once, the one whose add loses finds the other's stream. An add refused for another
    // reason (replicas the server cannot keep) finds none, and the refusal, not "stream not found", says why.
    const { config: declared } = await manager.streams.info(config.name).catch(() =>
      manager.streams.add(config).then(
        (info) => ((created = true), info),
        (refusal: unknown) =>
          manager.streams.info(config.name).catch(() => {
            throw refusal;
          }),
      ),
    );
    const same =
      declared.max_age === config.max_age &&
      declared.duplicate_window === config.duplicate_window &&
      declared.num_replicas === config.num_replicas &&
      [...declared.subjects].sort().join() === [...config.subjects].sort().join();
    if (!same) {
      this.logger.log(`Updating the stream ${config.name} to its current subjects, limits and replicas (${config.num_replicas})`);
      await manager.streams.update(config.name, {
        subjects: config.subjects,
        max_age: config.max_age,
        duplicate_window: config.duplicate_window,
        num_replicas: config.num_replicas,
      });
    }
    return created;
  }
}

/**
 * Whether a handler about to start on an event stored at `storedAtNanos` (the server's clock) should restart its ack
 * wait first (working()). An event stored a moment ago was delivered a moment ago, and its wait has nearly all its
 * ACK_WAIT_MS left: telling the server would be one more message for every event, for nothing. One that waited (in
 * the client's buffer behind others, published while its consumer was away, or a redelivery) gets the whole wait
 * again. Read against this process's clock: one behind the server's by more than the wait would let a slow
 * handler's event come twice, and the inbox drop the second.
 */
export function startsWaitAgain(storedAtNanos: number, now: number = Date.now()): boolean {
  return now - storedAtNanos / 1e6 > JUST_DELIVERED_MS;
}
