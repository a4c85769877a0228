import { Logger } from '@nestjs/common';
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { lastValueFrom, Observable, timeout } from 'rxjs';
import { reportReplicas } from '../observability/messaging-metrics';
import { isUnreachableFailure, STOPPING_CODE, wasNotTaken } from '../resilience/context-unreachable.error';
import type { TcpBalancing } from '../topology/topology';
import { publishThroughSend } from '../transports/publish-through-send';
import { HEALTH_CHECK_PROBE_TIMEOUT_MS } from '../handling/health-check-pattern';

/** One address of a context, with the client that reaches it. */
export interface Replica {
  /** How logs name it: `host:port`. */
  address: string;
  proxy: ClientProxy;
}

/** How long an ejected replica is left alone before it is probed, and what the probe asks. */
export interface EjectionOptions {
  /** The pause after a first failure; it doubles with each failed probe. */
  firstPauseMs: number;
  /** The longest pause between two probes of an ejected replica. */
  maxPauseMs: number;
  /** How long a probe may wait for its answer. */
  probeTimeoutMs: number;
  /** The request a probe sends: any answer, even an error, shows the replica is back. */
  probePattern: string;
}

export const DEFAULT_EJECTION_OPTIONS: Omit<EjectionOptions, 'probePattern'> = {
  firstPauseMs: 1000,
  maxPauseMs: 30_000,
  probeTimeoutMs: HEALTH_CHECK_PROBE_TIMEOUT_MS,
};

/** Whether `proxy` balances over replicas of which one at least still takes requests: a failure there was one replica's, not the context's. */
export function hasReplicaInRotation(proxy: ClientProxy): boolean {
  return proxy instanceof ReplicaBalancedClient && proxy.replicasInRotation > 0;
}

interface ReplicaState extends Replica {
  pending: number;
  ejected: boolean;
  pauseMs: number;
  probe?: NodeJS.Timeout;
}

/**
 * The client of a context that runs as several replicas, each at an address of
 * its own: every request goes to one replica in rotation, chosen by the
 * strategy. A replica that fails to answer (no connection, the connection lost,
 * a request abandoned for its timeout) is ejected from the rotation, and a
 * probe asks it again after a pause, growing while it stays down, until it
 * answers and rejoins. With every replica ejected, requests go to all of them
 * again, since failing them at once is the circuit breaker's job, not this one's.
 * A failed request is not retried here: ContextClient's policy does that, for
 * queries only, and the replica that failed is no longer in rotation when it
 * does. One that surely did not run (wasNotTaken: the replica is stopping, or
 * refuses connections) goes to another replica at once, whatever it is.
 */
export class ReplicaBalancedClient extends ClientProxy {
  private readonly replicas: ReplicaState[];
  private readonly logger = new Logger('ReplicaBalancedClient');
  private turn = 0;
  private closed = false;
  private readonly stopReporting: () => void;

  constructor(
    private readonly context: string,
    replicas: readonly Replica[],
    private readonly strategy: TcpBalancing,
    private readonly ejection: EjectionOptions,
  ) {
    super();
    if (replicas.length === 0) throw new Error(`${context} needs at least one address`);
    this.replicas = replicas.map((replica) => ({ ...replica, pending: 0, ejected: false, pauseMs: ejection.firstPauseMs }));
    this.stopReporting = reportReplicas(context, () => ({ inRotation: this.replicasInRotation, total: this.replicas.length }));
  }

  /** How many replicas take requests now; 0 when every one has failed and none has answered a probe since. */
  get replicasInRotation(): number {
    return this.inRotation().length;
  }

  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    return new Observable<TResult>((subscriber) => {
      let abandon: () => void = () => undefined;
      const sendTo = (replica: ReplicaState) => {
        replica.pending++;
        let settled = false;
        const settle = (reached: boolean, why?: string) => {
          if (settled) return;
          settled = true;
          replica.pending--;
          if (reached) this.readmit(replica);
          else this.eject(replica, why);
        };
        const request = replica.proxy.send<TResult, TInput>(pattern, data).subscribe({
          next: (value) => {
            settle(true);
            subscriber.next(value);
          },
          error: (error: unknown) => {
            if (wasNotTaken(error)) {
              settle(false, (error as { code: string }).code === STOPPING_CODE ? 'as it is stopping' : 'as it refuses connections');
              // It did not run there, so another replica may run it, a command too; with none left, the caller hears why.
              if (this.replicasInRotation > 0) return sendTo(this.choose());
            }
            settle(!isUnreachableFailure(error));
            subscriber.error(error);
          },
          complete: () => {
            settle(true);
            subscriber.complete();
          },
        });
        abandon = () => {
          // Given up before any answer: the caller's timeout, which says as much about the replica as a lost connection.
          settle(false);
          request.unsubscribe();
        };
      };
      sendTo(this.choose());
      return () => abandon();
    });
  }

  async connect(): Promise<void> {
    // Each replica's client connects on its first request, so that a replica down at start does not stop this one.
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopReporting();
    for (const replica of this.replicas) clearTimeout(replica.probe);
    await Promise.all(this.replicas.map((replica) => replica.proxy.close()));
  }

  unwrap<T>(): T {
    throw new Error(`${this.context}'s replicas each have a client of their own; there is no one connection to unwrap`);
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    return publishThroughSend(this, packet, callback);
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return lastValueFrom(this.choose().proxy.emit<T>(packet.pattern, packet.data), { defaultValue: undefined as T });
  }

  private inRotation(): ReplicaState[] {
    return this.replicas.filter((replica) => !replica.ejected);
  }

  private choose(): ReplicaState {
    const inRotation = this.inRotation();
    const candidates = inRotation.length > 0 ? inRotation : this.replicas;
    switch (this.strategy) {
      case 'random':
        return candidates[Math.floor(Math.random() * candidates.length)];
      case 'round-robin':
        return candidates[this.turn++ % candidates.length];
      case 'least-pending': {
        const fewest = Math.min(...candidates.map((replica) => replica.pending));
        // Ties taken in turn: one request at a time would otherwise always go to the first replica.
        const tied = candidates.filter((replica) => replica.pending === fewest);
        return tied[this.turn++ % tied.length];
      }
    }
  }

  private eject(replica: ReplicaState, why = 'after failing to answer'): void {
    if (replica.ejected || this.closed) return;
    replica.ejected = true;
    this.logger.warn(`${this.context} replica ${replica.address} left the rotation ${why}; probing it again in ${replica.pauseMs} ms`);
    this.scheduleProbe(replica);
  }

  private readmit(replica: ReplicaState): void {
    replica.pauseMs = this.ejection.firstPauseMs;
    if (!replica.ejected) return;
    replica.ejected = false;
    clearTimeout(replica.probe);
    this.logger.log(`${this.context} replica ${replica.address} answers again and is back in the rotation`);
  }

  private scheduleProbe(replica: ReplicaState): void {
    clearTimeout(replica.probe);
    replica.probe = setTimeout(() => void this.probe(replica), replica.pauseMs);
    // A pending probe must not keep a process alive that is otherwise done.
    replica.probe.unref?.();
  }

  private async probe(replica: ReplicaState): Promise<void> {
    if (this.closed || !replica.ejected) return;
    const reached = await lastValueFrom(replica.proxy.send(this.ejection.probePattern, {}).pipe(timeout(this.ejection.probeTimeoutMs)), {
      defaultValue: undefined,
    }).then(
      () => true,
      (error: unknown) => !isUnreachableFailure(error),
    );
    if (this.closed || !replica.ejected) return;
    if (reached) return this.readmit(replica);
    replica.pauseMs = Math.min(this.ejection.maxPauseMs, replica.pauseMs * 2);
    this.scheduleProbe(replica);
  }
}
