import { CustomTransportStrategy, MessageHandler, MsPattern, Server } from '@nestjs/microservices';
import { ERROR_CODES, GATEWAY, type EventConsumer } from '@tessera/contracts';
import { fromWire } from '../correlation/correlation.envelope';
import { handlerOfPattern } from '../transports/plain-pattern-lookup';
import { invokeEventHandler } from './event-handler-invocation';
import { EventSubscribers, runEach } from './event-subscribers';
import { markRedelivered } from './first-delivery';
import { RemoteError } from '../errors/remote.error';

/** How long an event that no handler here takes waits before it is offered again, to this process or another. */
export const UNHANDLED_EVENT_RETRY_MS = 30_000;

/** How a source hands a consumer an event: its pattern, its payload, and whether the broker delivered it before. */
export type EventHandoff = (pattern: string, payload: unknown, redelivered: boolean) => Promise<void>;

export interface DurableEventSource {
  /** Delivers the consumer's events to `handle` until the returned function is called. */
  consume(consumer: EventConsumer, handle: EventHandoff): Promise<() => Promise<void>>;
}

/**
 * Hands the events of the contexts this process hosts, from their durable
 * queues on the broker, and those of its gateway, to this process's event handlers. A handler's failure
 * reaches the source, which then delivers the event again later. Each event
 * is handled on behalf of the request that caused it (its correlation id).
 * An event from a consumer's queue runs that consumer's handlers only: in a
 * process hosting two subscribers of it, each queue brings it once for its own.
 */
export class BrokerEventServer extends Server implements CustomTransportStrategy {
  private readonly stops: (() => Promise<void>)[] = [];
  private readonly subscribers = new EventSubscribers();

  constructor(
    private readonly source: DurableEventSource,
    private readonly consumers: readonly EventConsumer[],
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const consumer of this.consumers) {
        this.stops.push(await this.source.consume(consumer, (pattern, payload, redelivered) => this.dispatch(consumer, pattern, payload, redelivered)));
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.stops.splice(0).map((stop) => stop()));
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const first = this.messageHandlers.get(this.normalizePattern(pattern as MsPattern));
    this.subscribers.add(pattern, first, callback, isEventHandler, extras, () => super.addHandler(pattern, callback, isEventHandler, extras));
  }

  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return handlerOfPattern(this.messageHandlers, pattern, (json) => super.getHandlerByPattern(json));
  }

  on(): void {
    // The source follows its own connection.
  }

  unwrap<T>(): T {
    return this.source as T;
  }

  private async dispatch(consumer: EventConsumer, pattern: string, payload: unknown, redelivered: boolean): Promise<void> {
    const first = this.getHandlerByPattern(pattern);
    const handlers = first?.isEventHandler ? this.subscribers.of(first, consumer) : [];
    if (handlers.length === 0) {
      // The gateway's events only correct its caches, and its consumer takes them once: nothing to keep.
      if (consumer === GATEWAY) {
        this.logger.warn(`${consumer} has no handler for event ${pattern}; dropped`);
        return;
      }
      // The contracts of whoever published it route it to this consumer, which this version of it does not take: a
      // publisher upgraded before it, in a rolling upgrade. Kept on the queue and offered again, to this process or a
      // replica of a newer version, as the TCP transport's outbox keeps it; acknowledged, it was lost to the upgrade.
      throw new RemoteError(ERROR_CODES.NO_HANDLER, `${consumer} has no handler for event ${pattern} in this version; offered again later`, undefined, {
        retryAfterMs: UNHANDLED_EVENT_RETRY_MS,
      });
    }
    await runEach(handlers, async (handler) => {
      const event = fromWire(handlers.length === 1 ? payload : structuredClone(payload));
      if (redelivered) markRedelivered(event);
      await invokeEventHandler(handler, event, { pattern });
    });
  }
}
