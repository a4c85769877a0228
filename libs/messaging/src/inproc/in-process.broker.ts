import { toWire, WireEnvelope } from '../correlation/correlation.envelope';
import { NO_HANDLER_MESSAGE } from '../errors/remote.error';
import { ContextUnreachableError } from '../resilience/context-unreachable.error';
import { throughTheWire } from './wire';

/** What the broker needs from a server: can it serve a pattern, and serve it. Payloads arrive in their wire envelope. */
export interface InProcessEndpoint {
  canHandle(pattern: string, asEvent: boolean): boolean;
  /** Resolves with the handler's answer, or rejects with the error it answered, each copied as by a wire. */
  handleRequest(pattern: string, envelope: WireEnvelope): Promise<unknown>;
  handleEventMessage(pattern: string, envelope: WireEnvelope): Promise<void>;
}

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
  }

  /** Sends a request to the endpoint that serves its pattern: resolves with its answer, or rejects with its error. */
  async request(pattern: string, data: unknown): Promise<unknown> {
    const envelope = throughTheWire(toWire(data));
    // As over a wire, the caller's code goes on before the handler starts; a microtask is enough for that, without
    // setImmediate's wait for the event loop's next turn (most of the hop's latency).
    await undefined;
    const endpoint = this.endpointFor(pattern, false);
    if (endpoint) return endpoint.handleRequest(pattern, envelope);
    // With every server detached, the process is stopping, as a remote context that went away: not a pattern it lacks.
    if (this.endpoints.size === 0) throw new ContextUnreachableError('the contexts of this process are stopping');
    throw new Error(NO_HANDLER_MESSAGE);
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
   */
  async publish(pattern: string, data: unknown, expectSubscribers = false): Promise<void> {
    const envelope = throughTheWire(toWire(data));
    await Promise.resolve();
    const subscribers = [...this.endpoints].filter((e) => e.canHandle(pattern, true));
    if (expectSubscribers && subscribers.length === 0) throw new Error(`No handler of ${pattern} is listening in this process yet`);
    await Promise.all(subscribers.map((endpoint) => endpoint.handleEventMessage(pattern, envelope)));
  }
}
