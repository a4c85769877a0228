import { CATALOG_EVENTS, EVENT_SUBSCRIBERS } from '@tessera/contracts';
import { ProductCacheMessagesController } from './product-cache.messages.controller';
import type { ProductCache } from './product.cache';

function controllerWithCache() {
  const forgotten: string[][] = [];
  const cache = { invalidate: async (productIds: string[]) => void forgotten.push(productIds) } as unknown as ProductCache;
  return { forgotten, controller: new ProductCacheMessagesController(cache) };
}

describe('ProductCacheMessagesController', () => {
  it('forgets every product whose stock an expired reservation gave back, as the catalog published it', async () => {
    const { forgotten, controller } = controllerWithCache();
    await controller.onReservationExpired({
      eventId: '0c0c0c0c-0000-4000-8000-000000000001',
      occurredAt: '2026-11-30T12:00:00.000Z',
      version: 1,
      reservationId: '0c0c0c0c-0000-4000-8000-000000000002',
      lines: [
        { productId: 'p-lamp', quantity: 2 },
        { productId: 'p-desk', quantity: 1 },
      ],
    });
    expect(forgotten).toEqual([['p-lamp', 'p-desk']]);
  });

  it('forgets every product of a reservation released for an order another process cancelled', async () => {
    const { forgotten, controller } = controllerWithCache();
    await controller.onReservationReleased({
      eventId: '0c0c0c0c-0000-4000-8000-000000000003',
      occurredAt: '2026-11-30T12:00:00.000Z',
      version: 1,
      reservationId: '0c0c0c0c-0000-4000-8000-000000000004',
      lines: [{ productId: 'p-lamp', quantity: 1 }],
    });
    expect(forgotten).toEqual([['p-lamp']]);
  });

  it('is routed the catalog’s expiries and releases, so a gateway hears of stock that no request of its own changed', () => {
    expect(EVENT_SUBSCRIBERS[CATALOG_EVENTS.RESERVATION_EXPIRED]).toContain('gateway');
    expect(EVENT_SUBSCRIBERS[CATALOG_EVENTS.RESERVATION_RELEASED]).toContain('gateway');
  });
});
