import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { ContextName } from '@tessera/contracts';
import { BrokerHealthIndicator } from './broker-health.indicator';
import { ContextHealthIndicator } from './context-health.indicator';
import { RedisHealthIndicator } from './redis-health.indicator';

export const CHECKED_CONTEXTS = Symbol('CHECKED_CONTEXTS');

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly contexts: ContextHealthIndicator,
    private readonly broker: BrokerHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    @Inject(CHECKED_CONTEXTS) private readonly checked: readonly ContextName[],
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Answers while the process runs' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Answers 200 when the broker, Redis (where configured) and every context this process serves or calls answer, 503 naming the failing part otherwise' })
  ready() {
    return this.health.check([
      ...(this.broker.applies ? [() => this.broker.check()] : []),
      ...(this.redis.applies ? [() => this.redis.check()] : []),
      ...this.checked.map((context) => () => this.contexts.check(context)),
    ]);
  }
}
