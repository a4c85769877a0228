import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HealthReply } from '@tessera/contracts';
import { DataSource } from 'typeorm';
import { CheckHealthQuery } from './check-health.query';

/**
 * ordering.check-health: `up` when the ordering database answers `SELECT 1`,
 * `down` otherwise. Never throws; the cause goes to the log, not into a reply
 * that may end up public.
 */
@Injectable()
export class CheckHealthHandler {
  private readonly logger = new Logger('Ordering');

  constructor(@InjectDataSource('ordering') private readonly dataSource: DataSource) {}

  async execute(_query: CheckHealthQuery): Promise<HealthReply> {
    try {
      await this.dataSource.query('SELECT 1');
      return { context: 'ordering', status: 'up' };
    } catch (error) {
      this.logger.warn(`The ordering database did not answer: ${(error as Error)?.message ?? error}`);
      return { context: 'ordering', status: 'down', details: { message: 'The ordering database did not answer' } };
    }
  }
}
