import type { Page } from '@tessera/contracts';

/** A context's page, its items mapped to their HTTP shape and its counters copied as they are. */
export function mapPage<T, R>(page: Page<T>, map: (item: T) => R): Page<R> {
  return { items: page.items.map(map), total: page.total, page: page.page, limit: page.limit };
}
