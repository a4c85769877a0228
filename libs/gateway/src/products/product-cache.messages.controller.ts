import { EventPattern, Payload } from '@nestjs/microservices';
import { CATALOG_EVENTS } from '@tessera/contracts';
import type { ProductUpdatedEvent, ReservationExpiredEvent, StockAdjustedEvent } from '@tessera/contracts';
import { MessagesController } from '@tessera/messaging';
import { ProductCache } from './product.cache';

/**
 * Forgets cached products that changed by other ways than this gateway's own
 * requests (another gateway, or one that died between the change and its
 * invalidation), or by no request at all: a reservation the catalog let
 * expire gives its stock back. Like UserStatusMessagesController it needs no
 * inbox: forgetting twice is forgetting once.
 */
@MessagesController()
export class ProductCacheMessagesController {
  constructor(private readonly products: ProductCache) {}

  @EventPattern(CATALOG_EVENTS.PRODUCT_UPDATED)
  onProductUpdated(@Payload() event: ProductUpdatedEvent): Promise<void> {
    return this.products.invalidate(typeof event?.productId === 'string' ? [event.productId] : []);
  }

  @EventPattern(CATALOG_EVENTS.STOCK_ADJUSTED)
  onStockAdjusted(@Payload() event: StockAdjustedEvent): Promise<void> {
    return this.products.invalidate(typeof event?.productId === 'string' ? [event.productId] : []);
  }

  @EventPattern(CATALOG_EVENTS.RESERVATION_EXPIRED)
  onReservationExpired(@Payload() event: ReservationExpiredEvent): Promise<void> {
    const lines = Array.isArray(event?.lines) ? event.lines : [];
    return this.products.invalidate(lines.map((line) => line?.productId).filter((productId): productId is string => typeof productId === 'string'));
  }
}
