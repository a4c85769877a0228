import type { LoggerService } from '@nestjs/common';
import type { ContextName, HealthReply } from '@tessera/contracts';
import type { DataSource } from 'typeorm';

/**
 * A context's answer to its `<context>.check-health` request: `up` when its
 * database answers `SELECT 1`, `down` otherwise. Never throws: a health check
 * reports a failure, it does not fail. The cause goes to `logger`, not into a
 * reply that may end up public.
 */
export async function databaseHealth(context: ContextName, dataSource: Pick<DataSource, 'query'>, logger: Pick<LoggerService, 'warn'>): Promise<HealthReply> {
  try {
    await dataSource.query('SELECT 1');
    return { context, status: 'up' };
  } catch (error) {
    logger.warn(`The ${context} database did not answer: ${(error as Error)?.message ?? error}`);
    return { context, status: 'down', details: { message: `The ${context} database did not answer` } };
  }
}
