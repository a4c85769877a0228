import { CreateUsersTable1795449600000 } from './1795449600000-create-users-table.migration';
import { CreateUsersMessagingTables1795480000000 } from './1795480000000-create-users-messaging-tables.migration';
import { CreateUsersDeadLetters1795490000000 } from './1795490000000-create-dead-letters.migration';
import { AddUsersOutboxTraceContext1795500000000 } from './1795500000000-add-outbox-trace-context.migration';
import { AddUsersOutboxDeliveredTo1795530000000 } from './1795530000000-add-outbox-delivered-to.migration';
import { AddUsersDeadLetterOutages1795540000000 } from './1795540000000-add-dead-letter-outages.migration';
import { AddUsersRetentionIndexes1795550000000 } from './1795550000000-add-retention-indexes.migration';

/** Every migration of the users context, in the order they run: the module's, and the specs' that migrate a database as at start. */
export const USERS_MIGRATIONS = [
  CreateUsersTable1795449600000,
  CreateUsersMessagingTables1795480000000,
  CreateUsersDeadLetters1795490000000,
  AddUsersOutboxTraceContext1795500000000,
  AddUsersOutboxDeliveredTo1795530000000,
  AddUsersDeadLetterOutages1795540000000,
  AddUsersRetentionIndexes1795550000000,
];
