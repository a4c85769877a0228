import { CustomTransportStrategy, MessageHandler, MsPattern, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { fromWire, WireEnvelope } from '../correlation/correlation.envelope';
import { InProcessBroker, InProcessEndpoint } from './in-process.broker';
import { InProcessContext } from './in-process.context';
import { handlerOfPattern } from '../transports/plain-pattern-lookup';
import { throughTheWire } from './wire';
import { EventSubscribers, runEach } from '../events/event-subscribers';
import { invokeEventHandler } from '../events/event-handler-invocation';
import type { EventConsumer } from '@tessera/contracts';

export const IN_PROCESS_TRANSPORT = Symbol('IN_PROCESS_TRANSPORT');

/** Serves this process's message handlers to the in-process broker. */
export class InProcessServer extends Server implements CustomTransportStrategy, InProcessEndpoint {
  override readonly transportId = IN_PROCESS_TRANSPORT;
  private readonly subscribers = new EventSubscribers();

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
   * In the monolith the contexts subscribing to an event would share one
   * payload object through Nest's chain, and see each other's changes: each is
   * handed a copy of its own instead, as each would be in a process of its own.
   */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const first = this.messageHandlers.get(this.normalizePattern(pattern as MsPattern));
    this.subscribers.add(pattern, first, callback, isEventHandler, extras, () => super.addHandler(pattern, callback, isEventHandler, extras));
  }

  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return handlerOfPattern(this.messageHandlers, pattern, (json) => super.getHandlerByPattern(json));
  }

  canHandle(pattern: string, asEvent: boolean, consumer?: EventConsumer): boolean {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler || !!handler.isEventHandler !== asEvent) return false;
    return consumer === undefined || this.subscribers.of(handler, consumer).length > 0;
  }

  handleRequest(pattern: string, envelope: WireEnvelope): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern)!;
    let handled: Promise<unknown>;
    try {
      handled = handler(fromWire(envelope), new InProcessContext(pattern));
    } catch (error) {
      // A handler that throws instead of failing its promise fails the request all the same.
      return Promise.reject(throughTheWire(error));
    }
    // An answer comes as it is; a failure as Nest's exception filter sends it, an observable that errors with the wire's
    // error shape. Chained rather than awaited: an await costs a promise of its own on every request.
    return handled.then(
      (result) =>
        isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }).then(answerOverTheWire, failureOverTheWire) : answerOverTheWire(result),
      failureOverTheWire,
    );
  }

  /**
   * Runs the subscribers of an event (only `consumer`'s, when named: a dead
   * letter's replay), each with a copy of its own, and fails if one failed, so
   * the outbox delivers it again.
   */
  async handleEventMessage(pattern: string, envelope: WireEnvelope, consumer?: EventConsumer): Promise<void> {
    const handlers = this.subscribers.of(this.getHandlerByPattern(pattern)!, consumer);
    await runEach(handlers, (handler) => invokeEventHandler(handler, fromWire(throughTheWire(envelope)), new InProcessContext(pattern)));
  }
}

/** An answer as the caller gets it, copied as by a wire; one no wire could carry fails as a failure would. */
function answerOverTheWire(answer: unknown): unknown {
  try {
    return throughTheWire(answer);
  } catch (error) {
    return failureOverTheWire(error);
  }
}

/** A failure as the caller gets it: copied as by a wire, as the error shape a remote transport carries back. */
function failureOverTheWire(failure: unknown): never {
  throw throughTheWire(failure);
}
