/** A page of products, optionally those whose name contains `q` (literally, ignoring case). */
export class ListProductsQuery {
  constructor(
    readonly page?: number,
    readonly limit?: number,
    readonly q?: string,
  ) {}
}
