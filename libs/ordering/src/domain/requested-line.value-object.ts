import { FieldProblem, ValidationError } from '@tessera/shared-kernel';
import { isUuid } from './order-id';
import { ORDER_LIMITS } from './order-limits';

/**
 * One product and how many of it a customer asks for, before the catalog has
 * priced and reserved it. Product ids are kept lower-case so that two
 * spellings of one UUID are one product.
 */
export class RequestedLine {
  private constructor(
    readonly productId: string,
    readonly quantity: number,
  ) {}

  /**
   * The items of a place-order request, checked and merged: 1..50 items, each
   * a product UUID and an integer quantity of 1..1000; items of one product
   * become one line (in the place of the first), whose quantity must stay
   * within 1000 too. Every problem is reported at once, as VALIDATION_FAILED.
   */
  static listFrom(items: unknown): RequestedLine[] {
    const { maxLines, maxQuantity } = ORDER_LIMITS;
    if (!Array.isArray(items) || items.length === 0 || items.length > maxLines) {
      throw ValidationError.of('items', `must be a list of 1 to ${maxLines} items`);
    }
    const problems: FieldProblem[] = [];
    const merged = new Map<string, number>();
    items.forEach((item: unknown, index) => {
      const { productId, quantity } = (typeof item === 'object' && item !== null ? item : {}) as { productId?: unknown; quantity?: unknown };
      const validId = isUuid(productId);
      const validQuantity = isQuantity(quantity);
      if (!validId) problems.push({ field: `items.${index}.productId`, message: 'must be a UUID' });
      if (!validQuantity) problems.push({ field: `items.${index}.quantity`, message: `must be an integer from 1 to ${maxQuantity}` });
      if (validId && validQuantity) {
        const key = productId.toLowerCase();
        merged.set(key, (merged.get(key) ?? 0) + quantity);
      }
    });
    for (const [productId, quantity] of merged) {
      if (quantity > maxQuantity) {
        problems.push({ field: 'items', message: `must hold at most ${maxQuantity} units of product ${productId} in all, not ${quantity}` });
      }
    }
    if (problems.length > 0) throw new ValidationError(problems);
    return [...merged].map(([productId, quantity]) => new RequestedLine(productId, quantity));
  }

  toJSON(): { productId: string; quantity: number } {
    return { productId: this.productId, quantity: this.quantity };
  }
}

function isQuantity(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= ORDER_LIMITS.maxQuantity;
}
