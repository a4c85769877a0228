/** A page request: `page` counts from 1, `limit` is 1..100. */
export interface PageRequest {
  page: number;
  limit: number;
}

/** One page of a list, with the total number of items across all pages. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}
