import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HealthReply } from '@tessera/contracts';
import { databaseHealth } from '@tessera/platform';
import { DataSource } from 'typeorm';
import { CheckHealthQuery } from './check-health.query';

/** ordering.check-health: `up` when the ordering database answers, `down` otherwise, never the cause (see databaseHealth). */
@Injectable()
export class CheckHealthHandler {
  private readonly logger = new Logger('Ordering');

  constructor(@InjectDataSource('ordering') private readonly dataSource: DataSource) {}

  execute(_query: CheckHealthQuery): Promise<HealthReply> {
    return databaseHealth('ordering', this.dataSource, this.logger);
  }
}
