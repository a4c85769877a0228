import type { LoggerService } from '@nestjs/common';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ChannelModel } from 'amqplib';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';

/** The pause before the first new channel: the broker closed the last one for a reason, which may still hold. */
const FIRST_PAUSE_MS = 1000;
/** The longest pause between two channels the broker refuses to set up (a queue an operator declared otherwise). */
const LONGEST_PAUSE_MS = 30_000;

/**
 * Brings a channel back when the broker closes it while the connection stays
 * up: on a protocol error (an unknown delivery tag acknowledged, a publish to
 * an exchange that is no more, a delivery held past `consumer_timeout`), the
 * broker closes the channel alone, and amqp-connection-manager opens a new one
 * only when the whole connection comes back, so a consumer would consume
 * nothing more, and a publisher publish nothing, with the connection up.
 * The new channel runs the wrapper's setup, as at start; a setup the broker
 * refuses closes that channel too, and the next one waits longer, up to
 * LONGEST_PAUSE_MS. Only a channel that was set up once is brought back: a
 * refusal at start fails the start instead. A channel we close (a stop) is
 * not: the broker closes it without a close frame of its own, and a stopped
 * reopener opens nothing.
 *
 * Killed at any point of it, the process leaves nothing half-done: the broker
 * gave every delivery the closed channel had not acknowledged back to its queue
 * when it closed the channel, the setup declares only what every process
 * declares alike, and what a closed channel had not yet published is an
 * event still in its outbox, sent again by whatever process runs next, or a
 * reply whose caller times out, as at any crash.
 */
export class ChannelReopener {
  private wrapper?: ChannelWrapper;
  private setUpOnce = false;
  private stopped = false;
  private backoff?: IBackoff<unknown>;
  private pendingReopen?: NodeJS.Timeout;
  private closedByBrokerAt?: number;

  constructor(
    readonly name: string,
    private readonly manager: AmqpConnectionManager,
    private readonly logger: LoggerService,
    private readonly onStop: () => void = () => undefined,
  ) {}

  /** The wrapper whose channel this brings back: called once, before the wrapper's first setup has finished. */
  keep(wrapper: ChannelWrapper): this {
    this.wrapper = wrapper;
    wrapper.on('connect', () => {
      this.setUpOnce = true;
      this.backoff = undefined;
      this.closedByBrokerAt = undefined;
    });
    wrapper.on('close', () => this.stop());
    // Unheard, a setup's failure (the connection lost in the middle of it) is thrown where nobody catches it.
    wrapper.on('error', (error: Error) => this.logger.error(`The RabbitMQ channel ${this.name} could not be set up: ${error.message}`));
    return this;
  }

  /** Follows one channel of the wrapper, from its setup: each new channel is followed anew. */
  follow(channel: Channel): void {
    let closeFrame: Error | undefined;
    // amqplib emits the broker's close frame as an 'error' just before 'close'; unheard, it would end the connection.
    channel.on('error', (error: Error) => (closeFrame ??= error));
    channel.once('close', () => {
      if (closeFrame) this.lostToBroker(channel, `RabbitMQ closed the channel ${this.name} (${closeFrame.message})`);
    });
  }

  /**
   * The broker cancelled the channel's consumer and kept the channel: its queue was deleted (by hand, or by a policy).
   * Nothing more would come on it, so it is closed, and a new one set up as after a close by the broker, which
   * declares the queue again; what was published to the queue between its deletion and then went nowhere.
   */
  consumerCancelled(channel: Channel): void {
    if (this.stopped || !this.setUpOnce) return;
    this.lostToBroker(channel, `RabbitMQ cancelled the consumer of the channel ${this.name} (its queue was deleted)`);
    void Promise.resolve()
      .then(() => channel.close())
      .catch(() => undefined);
  }

  /** How long the broker's close of this channel has gone without a new channel set up; undefined when it has one. */
  lostForMs(now = Date.now()): number | undefined {
    return this.closedByBrokerAt === undefined ? undefined : now - this.closedByBrokerAt;
  }

  /** Our own close: nothing opens after it. */
  stop(): void {
    if (!this.stopped) this.onStop();
    this.stopped = true;
    this.closedByBrokerAt = undefined;
    clearTimeout(this.pendingReopen);
  }

  private lostToBroker(channel: Channel, what: string): void {
    if (this.stopped || !this.setUpOnce) return;
    this.closedByBrokerAt ??= Date.now();
    this.backoff = this.backoff ? this.backoff.next(undefined) : new ExponentialBackoff({ initialDelay: FIRST_PAUSE_MS, maxDelay: LONGEST_PAUSE_MS }).next();
    const pauseMs = Math.round(this.backoff.duration);
    this.logger.warn(`${what}; a new one in ${pauseMs} ms`);
    this.pendingReopen = setTimeout(() => void this.reopen(channel), pauseMs);
    this.pendingReopen.unref();
  }

  private async reopen(closed: Channel): Promise<void> {
    const current = this.manager.connection;
    // The connection went meanwhile (or is a new one): amqp-connection-manager sets up a new channel on the next itself.
    if (this.stopped || !this.wrapper || current?.connection !== closed.connection) return;
    try {
      await openNewChannel(this.wrapper, current);
    } catch (error) {
      this.logger.error(`The RabbitMQ channel ${this.name} could not be opened again: ${(error as Error).message}`);
    }
  }
}

/**
 * The channels a process keeps on RabbitMQ, for readiness: which of them the
 * broker closed and has not let be set up again for a while; and the
 * connections its request servers keep apart from the process's own (Nest's
 * RabbitMQ server opens one of its own), which of them have been down a while.
 */
export class KeptChannels {
  private readonly reopeners = new Set<ChannelReopener>();
  private readonly connections = new Set<FollowedConnection>();

  /** A reopener for a channel named `name`, counted here until it stops. */
  reopener(name: string, manager: AmqpConnectionManager, logger: LoggerService): ChannelReopener {
    const reopener: ChannelReopener = new ChannelReopener(name, manager, logger, () => this.reopeners.delete(reopener));
    this.reopeners.add(reopener);
    return reopener;
  }

  /**
   * Counts `manager`'s connection, named `name`, while it is down, until the
   * returned function is called (its owner closing it): amqp-connection-manager
   * connects again by itself, so down long is a broker that refuses it, or is
   * not there, and every channel on it is gone meanwhile.
   */
  connection(name: string, manager: AmqpConnectionManager): () => void {
    const followed: FollowedConnection = { name, downSince: manager.isConnected() ? undefined : Date.now() };
    const up = () => (followed.downSince = undefined);
    const down = () => (followed.downSince ??= Date.now());
    manager.on('connect', up);
    manager.on('disconnect', down);
    this.connections.add(followed);
    return () => {
      manager.off('connect', up);
      manager.off('disconnect', down);
      this.connections.delete(followed);
    };
  }

  /**
   * The names of the channels the broker closed more than `graceMs` ago and that have no new channel set up yet, and
   * of the connections down for longer than that.
   */
  lostLongerThan(graceMs: number, now = Date.now()): string[] {
    return [
      ...[...this.reopeners].filter((reopener) => (reopener.lostForMs(now) ?? -1) > graceMs).map((reopener) => reopener.name),
      ...[...this.connections].filter(({ downSince }) => downSince !== undefined && now - downSince > graceMs).map(({ name }) => name),
    ];
  }
}

/** A connection KeptChannels counts while it is down: since when, if it is. */
interface FollowedConnection {
  name: string;
  downSince?: number;
}

/**
 * Has the wrapper open and set up a new channel on the connection it has,
 * as it does when the connection comes back. amqp-connection-manager 5.0.0 has
 * no public way to do that after the broker closed the channel alone
 * (ChannelWrapper's `_onChannelClose` waits "for another reconnect"), and
 * `reconnect()` would end every channel of the connection, with the deliveries
 * the others hold; `_onConnect` is what the wrapper itself runs on a connect,
 * with its setups, its queued publishes and its 'connect' event.
 */
function openNewChannel(wrapper: ChannelWrapper, connection: ChannelModel): Promise<void> {
  return (wrapper as unknown as { _onConnect(connected: { connection: ChannelModel }): Promise<void> })._onConnect({ connection });
}
