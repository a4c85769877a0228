import { Controller, Get, Inject, UseFilters } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { ContextName } from '@tessera/contracts';
import { TOPOLOGY } from '@tessera/messaging';
import type { Topology } from '@tessera/messaging';
import { BrokerHealthIndicator } from './broker-health.indicator';
import { ContextHealthIndicator, ContextReach } from './context-health.indicator';
import { ReadinessProblemFilter } from './readiness-problem.filter';
import { RedisHealthIndicator } from './redis-health.indicator';

export const REACHED_CONTEXTS = Symbol('REACHED_CONTEXTS');

/** GET /health/contexts: every context this process calls, as it reaches it now, and Redis where REDIS_URL is set. */
export interface ContextsHealth {
  contexts: Partial<Record<ContextName, ContextReach>>;
  redis?: { status: 'up' | 'down' };
}

const CONTEXTS_EXAMPLE: ContextsHealth = {
  contexts: {
    users: { status: 'up', latencyMs: 3 },
    catalog: { status: 'down' },
    ordering: { status: 'up', latencyMs: 4 },
    payments: { status: 'circuit-open' },
  },
  redis: { status: 'up' },
};

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly contexts: ContextHealthIndicator,
    private readonly broker: BrokerHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(REACHED_CONTEXTS) private readonly reached: readonly ContextName[],
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Answers while the process runs' })
  @ApiOkResponse({ description: 'The process runs', schema: { type: 'object', example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Only what this process owns: the databases of the contexts it hosts and
   * its broker connection. A context in another process is not part of it: a
   * load balancer would take every gateway out for one context that is down,
   * where requests that do not need it still work (see GET /health/contexts).
   * Redis is not part of it either: without it the process still answers
   * correctly (rate limits and caches fail open, ADR 0011), and every replica
   * shares it, so one outage would take them all out at once.
   */
  @Get('ready')
  @HealthCheck()
  @UseFilters(ReadinessProblemFilter)
  @ApiOperation({
    summary:
      'Answers 200 when what this process owns answers: the databases of the contexts it hosts and its broker connection; 503 naming the failing part otherwise',
  })
  @ApiOkResponse({ description: 'What this process owns answers: it can take traffic' })
  @ApiServiceUnavailableResponse({
    description: 'A part this process owns did not answer: a problem+json with the code NOT_READY naming it (under `error`)',
  })
  ready() {
    return this.health.check([
      ...(this.broker.applies ? [() => this.broker.check()] : []),
      ...this.topology.hosted.map((context) => () => this.contexts.check(context)),
    ]);
  }

  @Get('contexts')
  @ApiOperation({
    summary:
      'Every context this process calls, probed now: up (with the latency of its answer), down, or circuit-open; and Redis where REDIS_URL is set. Always 200: for dashboards and people, not for load balancers',
  })
  @ApiOkResponse({ description: 'How this process reaches each context now', schema: { type: 'object', example: CONTEXTS_EXAMPLE } })
  async contextsHealth(): Promise<ContextsHealth> {
    const [reaches, redis] = await Promise.all([
      Promise.all(this.reached.map(async (context) => [context, await this.contexts.reach(context)] as const)),
      this.redis.applies ? this.redis.check() : undefined,
    ]);
    return { contexts: Object.fromEntries(reaches), ...(redis ? { redis: { status: redis.redis.status === 'up' ? 'up' : 'down' } } : {}) };
  }
}
