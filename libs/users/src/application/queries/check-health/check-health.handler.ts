import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HealthReply } from '@tessera/contracts';
import { DataSource } from 'typeorm';
import { CheckHealthQuery } from './check-health.query';

/**
 * users.check-health: `up` when the users database answers `SELECT 1`, `down`
 * otherwise. Never throws: a health check reports a failure, it does not fail.
 * The cause goes to the log, not into a reply that may end up public.
 */
@Injectable()
export class CheckHealthHandler {
  private readonly logger = new Logger(CheckHealthHandler.name);

  constructor(@InjectDataSource('users') private readonly dataSource: DataSource) {}

  async execute(_query: CheckHealthQuery): Promise<HealthReply> {
    try {
      await this.dataSource.query('SELECT 1');
      return { context: 'users', status: 'up' };
    } catch (error) {
      this.logger.warn(`The users database did not answer: ${(error as Error)?.message ?? error}`);
      return { context: 'users', status: 'down', details: { message: 'The users database did not answer' } };
    }
  }
}
