import { CATALOG_EVENTS, IntegrationEventPayload, ProductCreatedEvent, ProductUpdatedEvent, StockAdjustedEvent } from '@tessera/contracts';
import type { ProductDomainEvent } from '../domain/product.aggregate';
import type { OutgoingIntegrationEvent } from '@tessera/shared-kernel';

type CatalogIntegrationEvent =
  | { pattern: typeof CATALOG_EVENTS.PRODUCT_CREATED; payload: IntegrationEventPayload<ProductCreatedEvent> }
  | { pattern: typeof CATALOG_EVENTS.PRODUCT_UPDATED; payload: IntegrationEventPayload<ProductUpdatedEvent> }
  | { pattern: typeof CATALOG_EVENTS.STOCK_ADJUSTED; payload: IntegrationEventPayload<StockAdjustedEvent> };

/** What a product recorded, as the catalog's integration events, to be stored with the change in the catalog outbox. */
export function toProductIntegrationEvents(events: readonly ProductDomainEvent[]): OutgoingIntegrationEvent[] {
  return events.map(toIntegrationEvent);
}

function toIntegrationEvent(event: ProductDomainEvent): CatalogIntegrationEvent {
  const occurredAt = event.occurredAt.toISOString();
  switch (event.type) {
    case 'ProductCreated':
      return {
        pattern: CATALOG_EVENTS.PRODUCT_CREATED,
        payload: { productId: event.aggregateId, sku: event.sku, price: event.price.toJSON(), occurredAt },
      };
    case 'ProductUpdated':
      return {
        pattern: CATALOG_EVENTS.PRODUCT_UPDATED,
        payload: { productId: event.aggregateId, price: event.price.toJSON(), occurredAt },
      };
    case 'StockAdjusted':
      return {
        pattern: CATALOG_EVENTS.STOCK_ADJUSTED,
        payload: { productId: event.aggregateId, delta: event.delta, stock: event.stock, occurredAt },
      };
  }
}
