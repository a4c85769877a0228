import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { ContextName, HealthReply } from '@tessera/contracts';
import { ContextClient, contextClientToken, healthCheckPatternOf } from '@tessera/messaging';

const HEALTH_TIMEOUT_MS = 1500;

/**
 * A context is up when it answers its check-health request in time, which it
 * does only when its own database answers. The same check covers a context in
 * this process and one across the network.
 */
@Injectable()
export class ContextHealthIndicator {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(context: ContextName): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(context);
    const client = this.moduleRef.get<ContextClient>(contextClientToken(context), { strict: false });
    try {
      const reply = await client.send<HealthReply>(healthCheckPatternOf(context), {}, { timeoutMs: HEALTH_TIMEOUT_MS });
      return reply?.status === 'up' ? session.up() : session.down({ message: `${context} reports itself down`, ...reply?.details });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
