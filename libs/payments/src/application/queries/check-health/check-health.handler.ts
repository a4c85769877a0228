import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HealthReply } from '@tessera/contracts';
import { DataSource } from 'typeorm';
import { CheckHealthQuery } from './check-health.query';

/**
 * payments.check-health: `up` when the payments database answers `SELECT 1`,
 * `down` otherwise. Never throws: a health check reports a failure, it does
 * not fail. The cause goes to the log, not into a reply that may end up public.
 */
@Injectable()
export class CheckHealthHandler {
  private readonly logger = new Logger('Payments');

  constructor(@InjectDataSource('payments') private readonly dataSource: DataSource) {}

  async execute(_query: CheckHealthQuery): Promise<HealthReply> {
    try {
      await this.dataSource.query('SELECT 1');
      return { context: 'payments', status: 'up' };
    } catch (error) {
      this.logger.warn(`The payments database did not answer: ${(error as Error)?.message ?? error}`);
      return { context: 'payments', status: 'down', details: { message: 'The payments database did not answer' } };
    }
  }
}
