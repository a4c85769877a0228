import type { DataSource } from 'typeorm';
import { createMigratedContextDatabase } from '../../../../../test/harness/postgres';
import { ORDERING_MIGRATIONS } from '../migrations';
import { OrderEventOrmEntity } from '../persistence/order-event.orm-entity';
import { OrderOrmEntity } from '../persistence/order.orm-entity';

/** A new database on the test Postgres with ordering's schema migrated as at start, for the specs of its SQL. */
export function createOrderingTestDatabase(): Promise<{ dataSource: DataSource; drop: () => Promise<void> }> {
  return createMigratedContextDatabase({ context: 'ordering', entities: [OrderOrmEntity, OrderEventOrmEntity], migrations: ORDERING_MIGRATIONS });
}
