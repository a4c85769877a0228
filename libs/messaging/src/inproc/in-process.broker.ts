import { toWire, WireEnvelope } from '../correlation/correlation.envelope';
import { NO_HANDLER_MESSAGE } from '../errors/remote.error';
import { ContextUnreachableError } from '../resilience/context-unreachable.error';
import { throughTheWire } from './wire';
import type { EventConsumer } from '@tessera/contracts';

/** What the broker needs from a server: can it serve a pattern, and serve it. Payloads arrive in their wire envelope. */
export interface InProcessEndpoint {
  /** With `consumer`, whether that consumer has a handler of the event here. */
  canHandle(pattern: string, asEvent: boolean, consumer?: EventConsumer): boolean;
  /** Resolves with the handler's answer, or rejects with the error it answered, each copied as by a wire. */
  handleRequest(pattern: string, envelope: WireEnvelope): Promise<unknown>;
  /** Runs the event's handlers here: only `consumer`'s, when named. */
  handleEventMessage(pattern: string, envelope: WireEnvelope, consumer?: EventConsumer): Promise<void>;
}

/** A promise settled once and for all, whose `then` runs its callback in a microtask without a promise more to wait on. */
const SETTLED = Promise.resolve();

/**
 * Routes messages between the clients and servers of one process. Requests go
 * to the one endpoint that serves the pattern; events go to every endpoint that
 * subscribes. Delivery is always asynchronous, as on a wire, and a payload
 * travels as on every wire: copied through JSON when it is sent, in the
 * envelope that carries the sender's correlation id.
 */
export class InProcessBroker {
  private readonly endpoints = new Set<InProcessEndpoint>();
  private markAttached!: () => void;
  private readonly firstAttached = new Promise<void>((resolve) => (this.markAttached = resolve));
  /** A server has detached: the process is stopping, and what finds no server now will not find one later in it. */
  private stopping = false;

  attach(endpoint: InProcessEndpoint): void {
    this.endpoints.add(endpoint);
    this.markAttached();
  }

  /** Resolves once this process's message handlers listen: what is relayed before then would reach nobody here. */
  attached(): Promise<void> {
    return this.firstAttached;
  }

  detach(endpoint: InProcessEndpoint): void {
    this.endpoints.delete(endpoint);
    this.stopping = true;
  }

  /**
   * Sends a request to the endpoint that serves its pattern: resolves with its
   * answer, rejects with its error, or, `within` given, with `within.error()`
   * once `within.ms` have passed without either. The deadline is kept in this
   * one promise rather than in a wrapper around it, whose promise and callbacks
   * were about 3% of the hop.
   */
  request(pattern: string, data: unknown, within?: { ms: number; error: () => Error }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // Copied now, as a wire would take it; a value no wire could carry rejects here, in the executor.
      const envelope = throughTheWire(toWire(data));
      const timer = within && setTimeout(() => reject(within.error()), within.ms);
      const answered = (value: unknown) => {
        clearTimeout(timer);
        resolve(value);
      };
      const failed = (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      };
      // As over a wire, the caller's code goes on before the handler starts; a microtask is enough for that, without
      // setImmediate's wait for the event loop's next turn (most of the hop's latency).
      void SETTLED.then(() => {
        const endpoint = this.endpointFor(pattern, false);
        if (endpoint) return void endpoint.handleRequest(pattern, envelope).then(answered, failed);
        // In a stopping process, or one whose servers do not listen yet, the context is out of reach, as a remote one
        // that went away: not a pattern nobody serves.
        if (this.stopping) return failed(new ContextUnreachableError('the contexts of this process are stopping', true));
        if (this.endpoints.size === 0) return failed(new ContextUnreachableError('the contexts of this process are not listening yet', true));
        failed(new Error(NO_HANDLER_MESSAGE));
      });
    });
  }

  private endpointFor(pattern: string, asEvent: boolean): InProcessEndpoint | undefined {
    for (const endpoint of this.endpoints) if (endpoint.canHandle(pattern, asEvent)) return endpoint;
    return undefined;
  }

  /**
   * Hands an event to every endpoint that subscribes. With `expectSubscribers`
   * (a context of this process consumes it), no endpoint listening yet is a
   * failure, not a delivery: at start the outbox relay may run before the
   * servers attach, and an event handed to nobody would be lost for good.
   * With `consumer`, only that consumer's handlers get it (a dead letter's replay).
   */
  async publish(pattern: string, data: unknown, expectSubscribers = false, consumer?: EventConsumer): Promise<void> {
    const envelope = throughTheWire(toWire(data));
    await Promise.resolve();
    const subscribers = [...this.endpoints].filter((e) => e.canHandle(pattern, true, consumer));
    if (expectSubscribers && subscribers.length === 0) this.refuseUnheard(pattern);
    await Promise.all(subscribers.map((endpoint) => endpoint.handleEventMessage(pattern, envelope, consumer)));
  }

  /**
   * Hands an event to `consumer`'s handlers in this process: the outbox's
   * delivery to that one subscriber, taken once this resolves. It fails while
   * no handler of the event listens here (servers not attached yet, or a
   * stopping process), as `publish` expecting subscribers does. It does not
   * fail for a consumer with no handler of the event among those that listen:
   * in an application a hosted consumer's handlers are served by the one
   * server that listens, and a process of the specs that hosts a consumer
   * without its handlers had it take its events, handed to nobody, when every
   * local subscriber was handed them at once.
   */
  async deliver(pattern: string, data: unknown, consumer: EventConsumer): Promise<void> {
    const envelope = throughTheWire(toWire(data));
    await Promise.resolve();
    const listening = [...this.endpoints].filter((e) => e.canHandle(pattern, true));
    if (listening.length === 0) this.refuseUnheard(pattern);
    const subscribers = listening.filter((e) => e.canHandle(pattern, true, consumer));
    await Promise.all(subscribers.map((endpoint) => endpoint.handleEventMessage(pattern, envelope, consumer)));
  }

  private refuseUnheard(pattern: string): never {
    throw new Error(`No handler of ${pattern} is listening in this process ${this.stopping ? 'any more: it is stopping' : 'yet'}`);
  }
}
