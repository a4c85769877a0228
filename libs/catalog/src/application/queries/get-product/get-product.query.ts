/** One product by id. */
export class GetProductQuery {
  constructor(readonly productId: string) {}
}
