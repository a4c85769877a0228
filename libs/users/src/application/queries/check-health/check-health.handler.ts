import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HealthReply } from '@tessera/contracts';
import { databaseHealth } from '@tessera/platform';
import { DataSource } from 'typeorm';
import { CheckHealthQuery } from './check-health.query';

/** users.check-health: `up` when the users database answers, `down` otherwise, never the cause (see databaseHealth). */
@Injectable()
export class CheckHealthHandler {
  private readonly logger = new Logger('Users');

  constructor(@InjectDataSource('users') private readonly dataSource: DataSource) {}

  execute(_query: CheckHealthQuery): Promise<HealthReply> {
    return databaseHealth('users', this.dataSource, this.logger);
  }
}
