import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { CATALOG_PATTERNS, GetProductRequest, ProductView } from '@tessera/contracts';
import { ContextClient, InjectContextClient } from '@tessera/messaging';
import { SHARED_REDIS } from '@tessera/platform';
import type Redis from 'ioredis';
import { SharedReadCache } from '../caching/shared-read.cache';

/**
 * The bound on how stale a product may be when an invalidation was lost:
 * every change is invalidated at once, by the request that made it or by the
 * catalog's event (ADR 0011), unless Redis refused the invalidation all along.
 */
const PRODUCT_TTL_MS = 5_000;

/**
 * Products as GET /products/:id reads them: from a cache in Redis that every
 * gateway replica shares when REDIS_URL is set, straight from the catalog
 * otherwise. Whatever changes a product through this gateway invalidates it
 * before the change is answered, and the catalog's events invalidate what
 * changed elsewhere (ProductCacheMessagesController).
 */
@Injectable()
export class ProductCache implements OnModuleDestroy {
  private readonly shared?: SharedReadCache<ProductView>;

  constructor(
    @InjectContextClient('catalog') private readonly catalog: ContextClient,
    @Optional() @Inject(SHARED_REDIS) redis?: Redis,
  ) {
    if (redis) this.shared = new SharedReadCache(redis, 'product', PRODUCT_TTL_MS);
  }

  /** The product; the catalog's PRODUCT_NOT_FOUND, or any failure, propagates and nothing is cached. */
  async get(productId: string): Promise<ProductView> {
    const read = () => this.catalog.send<ProductView, GetProductRequest>(CATALOG_PATTERNS.GET_PRODUCT, { productId });
    return this.shared ? ((await this.shared.read(productId, read)) as ProductView) : read();
  }

  async invalidate(productIds: Iterable<string>): Promise<void> {
    if (!this.shared) return;
    await Promise.all([...new Set(productIds)].map((productId) => this.shared!.invalidate(productId.toLowerCase())));
  }

  onModuleDestroy(): void {
    this.shared?.close();
  }
}
