import { CreateOrderingTables1795460000000 } from './1795460000000-create-ordering-tables.migration';
import { AddOrderingOutboxCorrelationId1795470000000 } from './1795470000000-add-outbox-correlation-id.migration';
import { CreateOrderPlacements1795480000000 } from './1795480000000-create-order-placements.migration';
import { CreateOrderingDeadLetters1795490000000 } from './1795490000000-create-dead-letters.migration';
import { AddOrderingOutboxTraceContext1795500000000 } from './1795500000000-add-outbox-trace-context.migration';
import { CreateCustomers1795510000000 } from './1795510000000-create-customers.migration';
import { AddPlacementPaymentTimeout1795520000000 } from './1795520000000-add-placement-payment-timeout.migration';
import { AddOrderingOutboxDeliveredTo1795530000000 } from './1795530000000-add-outbox-delivered-to.migration';
import { AddOrderingDeadLetterOutages1795540000000 } from './1795540000000-add-dead-letter-outages.migration';
import { AddOrderingRetentionIndexes1795550000000 } from './1795550000000-add-retention-indexes.migration';

/** Every migration of the ordering context, in the order they run: the module's, and the specs' that migrate a database as at start. */
export const ORDERING_MIGRATIONS = [
  CreateOrderingTables1795460000000,
  AddOrderingOutboxCorrelationId1795470000000,
  CreateOrderPlacements1795480000000,
  CreateOrderingDeadLetters1795490000000,
  AddOrderingOutboxTraceContext1795500000000,
  CreateCustomers1795510000000,
  AddPlacementPaymentTimeout1795520000000,
  AddOrderingOutboxDeliveredTo1795530000000,
  AddOrderingDeadLetterOutages1795540000000,
  AddOrderingRetentionIndexes1795550000000,
];
