import { EventPattern, Payload } from '@nestjs/microservices';
import { CATALOG_EVENTS, GATEWAY } from '@tessera/contracts';
import type { ProductUpdatedEvent, ReservationExpiredEvent, ReservationReleasedEvent, StockAdjustedEvent } from '@tessera/contracts';
import { MessagesController } from '@tessera/messaging';
import { ProductCache } from './product.cache';

/**
 * Forgets cached products that changed by other ways than this gateway's own
 * requests (another gateway, or one that died between the change and its
 * invalidation), or by no request of a gateway: a reservation the catalog
 * let expire, or released for an order that ordering cancelled, gives its
 * stock back. Like UserStatusMessagesController it needs no
 * inbox: forgetting twice is forgetting once.
 */
@MessagesController(GATEWAY)
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
    return this.products.invalidate(productsOf(event));
  }

  @EventPattern(CATALOG_EVENTS.RESERVATION_RELEASED)
  onReservationReleased(@Payload() event: ReservationReleasedEvent): Promise<void> {
    return this.products.invalidate(productsOf(event));
  }
}

/** The products whose stock a reservation's event moved. */
function productsOf(event: { lines?: unknown }): string[] {
  const lines: unknown[] = Array.isArray(event?.lines) ? event.lines : [];
  return lines.map((line) => (line as { productId?: unknown } | null)?.productId).filter((productId): productId is string => typeof productId === 'string');
}
