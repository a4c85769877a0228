import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
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

  /** Runs the subscribers of an event and fails if they fail, so the outbox delivers it again. */
  async handleEventMessage(pattern: string, envelope: WireEnvelope): Promise<void> {
    const handler = this.getHandlerByPattern(pattern)!;
    // Each subscriber gets a copy of its own, as each process would over a wire.
    const result = await handler(fromWire(throughTheWire(envelope)), new InProcessContext(pattern));
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }
}
