import { Injectable, Logger } from '@nestjs/common';
import {
  CATALOG_EVENTS,
  ProductCreatedEvent,
  ProductUpdatedEvent,
  StockAdjustedEvent,
} from '@tessera/contracts';
import { IntegrationEventPublisher } from '@tessera/messaging';
import type { Product, ProductDomainEvent } from '../domain/product.aggregate';

type CatalogIntegrationEvent =
  | { pattern: typeof CATALOG_EVENTS.PRODUCT_CREATED; payload: ProductCreatedEvent }
  | { pattern: typeof CATALOG_EVENTS.PRODUCT_UPDATED; payload: ProductUpdatedEvent }
  | { pattern: typeof CATALOG_EVENTS.STOCK_ADJUSTED; payload: StockAdjustedEvent };

/** Publishes what a product recorded as the catalog's integration events. */
@Injectable()
export class ProductEventPublisher {
  private readonly logger = new Logger('Catalog');

  constructor(private readonly publisher: IntegrationEventPublisher) {}

  /** Call only once the change is committed. */
  async publishRecorded(product: Product): Promise<void> {
    for (const event of product.pullEvents()) {
      const { pattern, payload } = toIntegrationEvent(event);
      try {
        await this.publisher.publish(pattern, payload);
      } catch (error) {
        // The change is committed: failing the request now would have the caller retry a change that happened.
        // Until the outbox makes delivery reliable, a lost event is logged.
        this.logger.error(`${pattern} for product ${event.aggregateId} was not published: ${(error as Error)?.message ?? error}`);
      }
    }
  }
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
