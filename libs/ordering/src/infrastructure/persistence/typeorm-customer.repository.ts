import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { preparedQuery } from '@tessera/messaging';
import { DataSource } from 'typeorm';
import type { Customers, CustomerStanding } from '../../application/customers';

/**
 * Customers in ordering.customers, one row a user. An answer may arrive after
 * a newer one (a users reply read before a deactivation, stored after its
 * event), so a row only ever goes from active to inactive.
 */
@Injectable()
export class TypeOrmCustomerRepository implements Customers {
  constructor(@InjectDataSource('ordering') private readonly dataSource: DataSource) {}

  async record(userId: string, standing: CustomerStanding): Promise<void> {
    await preparedQuery(
      this.dataSource,
      `INSERT INTO ordering.customers (user_id, active) VALUES ($1::uuid, $2::boolean)
       ON CONFLICT (user_id) DO UPDATE SET active = false, recorded_at = now() WHERE customers.active AND NOT excluded.active`,
      [userId, standing === 'active'],
    );
  }
}
