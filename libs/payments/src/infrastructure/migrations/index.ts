import { CreatePaymentsTables1795451000000 } from './1795451000000-create-payments-tables.migration';
import { AddPaymentsOutboxCorrelationId1795470000000 } from './1795470000000-add-outbox-correlation-id.migration';
import { BindIdempotencyKeysToPayments1795480000000 } from './1795480000000-bind-idempotency-keys-to-payments.migration';
import { CreatePaymentsDeadLetters1795490000000 } from './1795490000000-create-dead-letters.migration';
import { AddPaymentsOutboxTraceContext1795500000000 } from './1795500000000-add-outbox-trace-context.migration';
import { AddPaymentsOutboxDeliveredTo1795530000000 } from './1795530000000-add-outbox-delivered-to.migration';
import { AddPaymentsDeadLetterOutages1795540000000 } from './1795540000000-add-dead-letter-outages.migration';
import { AddPaymentsRetentionIndexes1795550000000 } from './1795550000000-add-retention-indexes.migration';

/** Every migration of the payments context, in the order they run: the module's, and the specs' that migrate a database as at start. */
export const PAYMENTS_MIGRATIONS = [
  CreatePaymentsTables1795451000000,
  AddPaymentsOutboxCorrelationId1795470000000,
  BindIdempotencyKeysToPayments1795480000000,
  CreatePaymentsDeadLetters1795490000000,
  AddPaymentsOutboxTraceContext1795500000000,
  AddPaymentsOutboxDeliveredTo1795530000000,
  AddPaymentsDeadLetterOutages1795540000000,
  AddPaymentsRetentionIndexes1795550000000,
];
