import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { ContextName } from '@tessera/contracts';
import { BrokerHealthIndicator } from './broker-health.indicator';
import { ContextHealthIndicator } from './context-health.indicator';
import { CHECKED_CONTEXTS, HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis-health.indicator';
import { MetricsController } from '../metrics/metrics.controller';

/** /health/live, /health/ready and /metrics for a process that serves or calls `contexts`. */
@Module({})
export class HealthModule {
  static forContexts(contexts: readonly ContextName[]): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [ContextHealthIndicator, BrokerHealthIndicator, RedisHealthIndicator, { provide: CHECKED_CONTEXTS, useValue: contexts }],
    };
  }
}
