import { CustomTransportStrategy, MessageHandler, MsPattern, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { fromWire, WireEnvelope } from '../correlation/correlation.envelope';
import { InProcessBroker, InProcessEndpoint } from './in-process.broker';
import { InProcessContext } from './in-process.context';
import { handlerOfPattern } from '../transports/plain-pattern-lookup';
import { throughTheWire } from './wire';

export const IN_PROCESS_TRANSPORT = Symbol('IN_PROCESS_TRANSPORT');

/** Serves this process's message handlers to the in-process broker. */
export class InProcessServer extends Server implements CustomTransportStrategy, InProcessEndpoint {
  override readonly transportId = IN_PROCESS_TRANSPORT;
  /** Every handler of an event pattern, by the first one, which Nest's lookup finds; see addHandler. */
  private readonly eventSubscribers = new Map<MessageHandler, MessageHandler[]>();

  constructor(private readonly broker: InProcessBroker) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => void): void {
    this.broker.attach(this);
    callback();
  }

  close(): void {
    this.broker.detach(this);
  }

  on(): void {
    // The in-process transport has no connection and so no status events to subscribe to.
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  /**
   * Nest chains the handlers of one event pattern in a server and hands all of
   * them the one payload object, so in the monolith the contexts subscribing
   * to an event would share it and see each other's changes. Here they are
   * kept apart instead, each to be handed a copy of its own, as each would be
   * in a process of its own: only the first is registered with Nest.
   */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const first = this.messageHandlers.get(this.normalizePattern(pattern as MsPattern));
    if (isEventHandler && first?.isEventHandler) return void this.eventSubscribers.get(first)!.push(callback);
    super.addHandler(pattern, callback, isEventHandler, extras);
    if (isEventHandler && !first) this.eventSubscribers.set(callback, [callback]);
  }

  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return handlerOfPattern(this.messageHandlers, pattern, (json) => super.getHandlerByPattern(json));
  }

  canHandle(pattern: string, asEvent: boolean): boolean {
    const handler = this.getHandlerByPattern(pattern);
    return !!handler && !!handler.isEventHandler === asEvent;
  }

  async handleRequest(pattern: string, envelope: WireEnvelope): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern)!;
    try {
      const result = await handler(fromWire(envelope), new InProcessContext(pattern));
      // An answer comes as it is; a failure as Nest's exception filter sends it, an observable that errors with the wire's error shape.
      return throughTheWire(isObservable(result) ? await lastValueFrom(result, { defaultValue: undefined }) : result);
    } catch (error) {
      throw throughTheWire(error);
    }
  }

  /**
   * Runs the subscribers of an event, each with a copy of its own, and fails
   * if one failed, so the outbox delivers it again: only once all of them are
   * done, so that a subscriber's next run never overlaps this one.
   */
  async handleEventMessage(pattern: string, envelope: WireEnvelope): Promise<void> {
    const first = this.getHandlerByPattern(pattern)!;
    const runs = await Promise.allSettled(
      (this.eventSubscribers.get(first) ?? [first]).map(async (handler) => {
        const result = await handler(fromWire(throughTheWire(envelope)), new InProcessContext(pattern));
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      }),
    );
    const failed = runs.find((run): run is PromiseRejectedResult => run.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
