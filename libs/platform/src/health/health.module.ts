import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { ContextName } from '@tessera/contracts';
import { BrokerHealthIndicator } from './broker-health.indicator';
import { ContextHealthIndicator } from './context-health.indicator';
import { HealthController, REACHED_CONTEXTS } from './health.controller';
import { RedisHealthIndicator } from './redis-health.indicator';
import { MetricsController } from '../metrics/metrics.controller';

/**
 * /health/live, /health/ready (what this process owns: its hosted contexts' databases, its broker), /health/contexts
 * (the contexts it calls, `reached`) and /metrics.
 */
@Module({})
export class HealthModule {
  static forContexts(reached: readonly ContextName[]): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [ContextHealthIndicator, BrokerHealthIndicator, RedisHealthIndicator, { provide: REACHED_CONTEXTS, useValue: reached }],
    };
  }
}
