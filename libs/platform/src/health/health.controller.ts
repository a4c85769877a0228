import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { ContextName } from '@tessera/contracts';
import { ContextHealthIndicator } from './context-health.indicator';

export const CHECKED_CONTEXTS = Symbol('CHECKED_CONTEXTS');

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly contexts: ContextHealthIndicator,
    @Inject(CHECKED_CONTEXTS) private readonly checked: readonly ContextName[],
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Answers while the process runs' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Answers 200 when every context this process serves or calls answers, 503 naming the failing one otherwise' })
  ready() {
    return this.health.check(this.checked.map((context) => () => this.contexts.check(context)));
  }
}
