import { Product, ProductSnapshot } from '../domain/product.aggregate';
import { SkuTakenError } from '../domain/product.errors';
import { ProductCriteria, ProductRepository, ProductVersionConflictError } from '../domain/product.repository';
import { RecordingEventPublisher } from './recording-event.publisher';
import { nextTurn } from '@tessera/messaging/testing';
import type { OutgoingIntegrationEvent } from '@tessera/shared-kernel';

/**
 * The ProductRepository contract in memory, for tests: copies in and out as a
 * database would, case-insensitive SKUs, version checks on save, and a turn of
 * the event loop in every call so that concurrent commands interleave; the
 * events of a change are kept in `outbox` only when the change is stored.
 */
export class InMemoryProductRepository implements ProductRepository {
  private readonly rows = new Map<string, ProductSnapshot>();
  /** The events stored with changes, as they would leave the catalog outbox. */
  readonly outbox = new RecordingEventPublisher();
  private concurrentChangesLeft = 0;
  private concurrentChange?: (product: Product) => void;
  findByIdCalls = 0;
  concurrentChanges = 0;

  async findById(id: string): Promise<Product | null> {
    this.findByIdCalls++;
    await nextTurn();
    const row = this.rows.get(id);
    return row ? Product.reconstitute(row) : null;
  }

  async add(product: Product, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    await nextTurn();
    if (this.skuTaken(product.sku)) throw new SkuTakenError(product.sku);
    this.rows.set(product.id, product.toSnapshot());
    await this.keep(events);
  }

  async save(product: Product, events: readonly OutgoingIntegrationEvent[] = []): Promise<void> {
    await nextTurn();
    this.sneakInConcurrentChange(product.id);
    this.store(product);
    await this.keep(events);
  }

  private async keep(events: readonly OutgoingIntegrationEvent[]): Promise<void> {
    for (const event of events) await this.outbox.publish(event.pattern, event.payload);
  }

  async list({ q, offset, limit }: ProductCriteria): Promise<{ items: Product[]; total: number }> {
    await nextTurn();
    const matching = [...this.rows.values()]
      .filter((row) => !q || row.name.toLowerCase().includes(q.toLowerCase()))
      .sort((a, b) => compare(a.name.toLowerCase(), b.name.toLowerCase()) || compare(a.id, b.id));
    return { items: matching.slice(offset, offset + limit).map((row) => Product.reconstitute(row)), total: matching.length };
  }

  async addAllIfEmpty(products: readonly Product[]): Promise<number> {
    await nextTurn();
    if (this.rows.size > 0) return 0;
    let added = 0;
    for (const product of products) {
      if (this.skuTaken(product.sku)) continue;
      this.rows.set(product.id, product.toSnapshot());
      added++;
    }
    return added;
  }

  /** Stores products as they are, as if created earlier. */
  async given(...products: Product[]): Promise<void> {
    for (const product of products) await this.add(product);
  }

  /**
   * Makes each of the next `times` saves lose a race: just before it, another
   * writer loads the product, applies `change` and stores it.
   */
  interleaveConcurrentChange(change: (product: Product) => void, times = 1): void {
    this.concurrentChange = change;
    this.concurrentChangesLeft = times;
  }

  /**
   * Changes a product's stock as a conditional SQL update does, bumping its
   * version: answers false, changing nothing, when there is no such product
   * or its stock would go below zero.
   */
  changeStock(id: string, delta: number): boolean {
    const row = this.rows.get(id);
    if (!row || row.stock + delta < 0) return false;
    this.rows.set(id, { ...row, stock: row.stock + delta, updatedAt: new Date(), version: row.version + 1 });
    return true;
  }

  /** What is stored for the product now, or undefined. */
  stored(id: string): ProductSnapshot | undefined {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  get size(): number {
    return this.rows.size;
  }

  private store(product: Product): void {
    const stored = this.rows.get(product.id);
    if (!stored || stored.version !== product.version) throw new ProductVersionConflictError(product.id, product.version);
    this.rows.set(product.id, { ...product.toSnapshot(), version: product.version + 1 });
    product.markStored(product.version + 1);
  }

  private sneakInConcurrentChange(id: string): void {
    const row = this.rows.get(id);
    if (!this.concurrentChange || this.concurrentChangesLeft === 0 || !row) return;
    this.concurrentChangesLeft--;
    this.concurrentChanges++;
    const concurrent = Product.reconstitute(row);
    this.concurrentChange(concurrent);
    this.store(concurrent);
  }

  private skuTaken(sku: string): boolean {
    return [...this.rows.values()].some((row) => row.sku.toLowerCase() === sku.toLowerCase());
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
