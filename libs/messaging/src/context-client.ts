import { Inject } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { ContextName } from '@tessera/contracts';
import { lastValueFrom, timeout, TimeoutError } from 'rxjs';
import { RemoteError } from './errors/remote.error';
import { InProcessClient } from './inproc/in-process.client';
import { ContextResiliencePolicy, ResilienceOptions } from './resilience/context-resilience.policy';
import { ContextUnreachableError, isUnreachableFailure, ReplicaUnreachableError, wasNotTaken } from './resilience/context-unreachable.error';
import { hasReplicaInRotation } from './balancing/replica-balanced.client';
import { HEALTH_CHECK_PROBE_TIMEOUT_MS, healthCheckPatternOf } from './handling/health-check-pattern';
import { messagingRequestDuration, MessageOutcome, outcomeOf, reportCircuit } from './observability/messaging-metrics';
import { inMessagingSpan } from './observability/messaging-tracing';
import type { TransportName } from './topology/topology';

/**
 * How every part of the system talks to a context: a request by pattern,
 * bounded by a timeout, answered with JSON or a RemoteError carrying a code.
 * Queries that could not reach the context are tried again, and a context that
 * keeps failing to answer gets CONTEXT_UNAVAILABLE at once for a while (see
 * ContextResiliencePolicy). It looks the same whether the context is in this
 * process or across a network.
 */
export class ContextClient {
  private readonly resilience: ContextResiliencePolicy;

  private readonly stopReporting: () => void;

  constructor(
    readonly context: ContextName,
    private readonly proxy: ClientProxy,
    /** The timeout of a call that names none: a number, or a function asked at each call when it may change while running. */
    private readonly timeoutMs: number | (() => number),
    resilience: Partial<ResilienceOptions> = {},
    /** The transport the requests take, as the metrics name it: in process when the context is hosted here. */
    private readonly transportName: TransportName = 'inproc',
  ) {
    this.resilience = new ContextResiliencePolicy(context, resilience, () => this.attempt(healthCheckPatternOf(context), {}, HEALTH_CHECK_PROBE_TIMEOUT_MS));
    this.stopReporting = reportCircuit(context, () => this.resilience.isOpen);
  }

  // send, attempt and the policy's layers chain their promises rather than await them: each await of an async function
  // costs a promise of its own, and with the correlation scope's promise hooks those were about a seventh of an
  // in-process hop's time, a sixth more requests a second once gone (docs/performance.md).
  send<TReply, TRequest = unknown>(pattern: string, request: TRequest, options: { timeoutMs?: number } = {}): Promise<TReply> {
    const timeoutMs = options.timeoutMs ?? (typeof this.timeoutMs === 'function' ? this.timeoutMs() : this.timeoutMs);
    const started = performance.now();
    const measure = (outcome: MessageOutcome) =>
      messagingRequestDuration.observe({ pattern, transport: this.transportName, outcome }, (performance.now() - started) / 1000);
    // One span for the request, retries included: each attempt's envelope carries it, so the handler is its child.
    return inMessagingSpan('send', pattern, { transport: this.transportName, outcomeOf }, () =>
      this.resilience.execute(pattern, timeoutMs, (attemptTimeoutMs) => this.attempt<TReply, TRequest>(pattern, request, attemptTimeoutMs)),
    ).then(
      (reply) => {
        measure('ok');
        return reply;
      },
      (error: unknown) => {
        measure(outcomeOf(error));
        throw error;
      },
    );
  }

  private attempt<TReply, TRequest>(pattern: string, request: TRequest, ms: number): Promise<TReply> {
    // In process, a promise: the observable plumbing of a ClientProxy costs more than the hop itself.
    const answer =
      this.proxy instanceof InProcessClient
        ? this.proxy.request<TReply>(pattern, request, ms)
        : lastValueFrom(this.proxy.send<TReply, TRequest>(pattern, request).pipe(timeout(ms)), { defaultValue: undefined as TReply });
    return answer.catch((error: unknown) => {
      throw this.failureOf(error, pattern, ms);
    });
  }

  /** What a try's failure is to the caller: the context out of reach, or the error it answered. */
  private failureOf(error: unknown, pattern: string, ms: number): Error {
    if (error instanceof TimeoutError) return this.unreachable(`${this.context} did not answer ${pattern} within ${ms} ms`);
    if (isUnreachableFailure(error)) {
      const notDelivered = wasNotTaken(error) || (error instanceof ContextUnreachableError && error.notDelivered);
      return this.unreachable(`${this.context} is unavailable`, notDelivered);
    }
    return RemoteError.from(error, this.context);
  }

  /** The failure to reach the context, or only one of its replicas when another is still in rotation. */
  private unreachable(message: string, notDelivered = false): ContextUnreachableError {
    return hasReplicaInRotation(this.proxy)
      ? new ReplicaUnreachableError(`${message} at one replica; another is in rotation`, notDelivered)
      : new ContextUnreachableError(message, notDelivered);
  }

  /** Whether requests to the context fail at once now, its circuit open after repeated failures to reach it. */
  get circuitOpen(): boolean {
    return this.resilience.isOpen;
  }

  async close(): Promise<void> {
    this.stopReporting();
    await this.proxy.close();
  }

  /** The transport's client, for publishing events through the same connection. */
  get transport(): ClientProxy {
    return this.proxy;
  }
}

export function contextClientToken(context: ContextName): string {
  return `${context.toUpperCase()}_CONTEXT_CLIENT`;
}

/** Injects the client of one context: `@InjectContextClient('users') users: ContextClient`. */
export const InjectContextClient = (context: ContextName): ParameterDecorator & PropertyDecorator => Inject(contextClientToken(context));
