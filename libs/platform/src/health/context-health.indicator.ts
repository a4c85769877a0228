import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { ContextName, HealthReply } from '@tessera/contracts';
import { ContextClient, contextClientToken, healthCheckPatternOf } from '@tessera/messaging';

const HEALTH_TIMEOUT_MS = 1500;

/** How a context looks from this process now: `latencyMs` is how long its answer took, when it answered. */
export interface ContextReach {
  status: 'up' | 'down' | 'circuit-open';
  latencyMs?: number;
}

interface Probe {
  reply?: HealthReply;
  latencyMs?: number;
  failure?: string;
}

/**
 * A context is up when it answers its check-health request in time, which it
 * does only when its own database answers. The same check covers a context in
 * this process and one across the network.
 *
 * The health routes are not rate limited (a load balancer's probes must not be
 * refused), so a request that finds a probe of the same context under way
 * shares its answer instead of sending another: however many requests come at
 * once, each context sees at most one probe from this process at a time.
 */
@Injectable()
export class ContextHealthIndicator {
  private readonly probesUnderWay = new Map<ContextName, Promise<Probe>>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** Readiness of a context this process hosts: up, or down with the reason. */
  async check(context: ContextName): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(context);
    const probe = await this.probe(context);
    if (probe.reply?.status === 'up') return session.up();
    return session.down(
      probe.reply ? { message: `${context} reports itself down`, ...probe.reply.details } : { message: probe.failure ?? `${context} did not answer` },
    );
  }

  /**
   * Whether this process reaches `context` now. The probe goes through the
   * circuit breaker like any request: while the circuit is open the client
   * refuses it at once, and once the breaker lets a trial through, this probe
   * can be the one that closes it, so a dashboard does not show a context
   * "circuit-open" forever after an outage that no request has tried since.
   */
  async reach(context: ContextName): Promise<ContextReach> {
    const probe = await this.probe(context);
    if (!probe.reply) return { status: this.clientOf(context).circuitOpen ? 'circuit-open' : 'down' };
    return { status: probe.reply.status === 'up' ? 'up' : 'down', latencyMs: probe.latencyMs };
  }

  private probe(context: ContextName): Promise<Probe> {
    const underWay = this.probesUnderWay.get(context);
    if (underWay) return underWay;
    const probe = this.probeNow(context).finally(() => this.probesUnderWay.delete(context));
    this.probesUnderWay.set(context, probe);
    return probe;
  }

  private async probeNow(context: ContextName): Promise<Probe> {
    const started = performance.now();
    try {
      const reply = await this.clientOf(context).send<HealthReply>(healthCheckPatternOf(context), {}, { timeoutMs: HEALTH_TIMEOUT_MS });
      return { reply, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { failure: (error as Error).message };
    }
  }

  private clientOf(context: ContextName): ContextClient {
    return this.moduleRef.get<ContextClient>(contextClientToken(context), { strict: false });
  }
}
