import { CreateCatalogProducts1795450000000 } from './1795450000000-create-catalog-products.migration';
import { CreateCatalogReservations1795460000000 } from './1795460000000-create-catalog-reservations.migration';
import { AddCatalogOutboxCorrelationId1795470000000 } from './1795470000000-add-outbox-correlation-id.migration';
import { AddCatalogReservationExpiry1795480000000 } from './1795480000000-add-reservation-expiry.migration';
import { CreateCatalogDeadLetters1795490000000 } from './1795490000000-create-dead-letters.migration';
import { AddCatalogOutboxTraceContext1795500000000 } from './1795500000000-add-outbox-trace-context.migration';
import { AddCatalogOutboxDeliveredTo1795530000000 } from './1795530000000-add-outbox-delivered-to.migration';
import { AddCatalogDeadLetterOutages1795540000000 } from './1795540000000-add-dead-letter-outages.migration';
import { AddCatalogRetentionIndexes1795550000000 } from './1795550000000-add-retention-indexes.migration';
import { AddCatalogProductNameSearchIndex1795560000000 } from './1795560000000-add-product-name-search-index.migration';

/** Every migration of the catalog context, in the order they run: the module's, and the specs' that migrate a database as at start. */
export const CATALOG_MIGRATIONS = [
  CreateCatalogProducts1795450000000,
  CreateCatalogReservations1795460000000,
  AddCatalogOutboxCorrelationId1795470000000,
  AddCatalogReservationExpiry1795480000000,
  CreateCatalogDeadLetters1795490000000,
  AddCatalogOutboxTraceContext1795500000000,
  AddCatalogOutboxDeliveredTo1795530000000,
  AddCatalogDeadLetterOutages1795540000000,
  AddCatalogRetentionIndexes1795550000000,
  AddCatalogProductNameSearchIndex1795560000000,
];
