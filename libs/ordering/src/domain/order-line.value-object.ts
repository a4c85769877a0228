import { Money, ValidationError } from '@tessera/shared-kernel';
import { isUuid } from './order-id';
import { ORDER_LIMITS } from './order-limits';

/** Money as it arrives from outside (the catalog's reply, a stored event), before it is checked. */
export interface MoneyInput {
  amount: number;
  currency: string;
}

/** A line as the catalog priced it, or as a stored event holds it. */
export interface OrderLineInput {
  productId: string;
  sku: string;
  name: string;
  unitPrice: MoneyInput;
  quantity: number;
}

/** A line of an order as JSON: the shape of OrderLineView and of the stream's OrderPlaced data. */
export interface OrderLineJson {
  productId: string;
  sku: string;
  name: string;
  unitPrice: { amount: number; currency: string };
  quantity: number;
  lineTotal: { amount: number; currency: string };
}

/** One product of an order, at the unit price the catalog reserved it for; immutable. */
export class OrderLine {
  private constructor(
    readonly productId: string,
    readonly sku: string,
    readonly name: string,
    readonly unitPrice: Money,
    readonly quantity: number,
  ) {}

  /** Checks a priced line; `field` names it in the problems reported. */
  static of(input: OrderLineInput, field = 'line'): OrderLine {
    const { productId, sku, name, unitPrice, quantity } = (input ?? {}) as Partial<OrderLineInput>;
    if (!isUuid(productId)) throw ValidationError.of(`${field}.productId`, 'must be a UUID');
    if (typeof sku !== 'string' || sku.length === 0) throw ValidationError.of(`${field}.sku`, 'must be a non-empty string');
    if (typeof name !== 'string' || name.length === 0) throw ValidationError.of(`${field}.name`, 'must be a non-empty string');
    if (typeof unitPrice !== 'object' || unitPrice === null) throw ValidationError.of(`${field}.unitPrice`, 'must be money');
    const price = Money.of(unitPrice.amount, unitPrice.currency, `${field}.unitPrice`);
    if (price.isNegative()) throw ValidationError.of(`${field}.unitPrice.amount`, 'must not be negative');
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1 || quantity > ORDER_LIMITS.maxQuantity) {
      throw ValidationError.of(`${field}.quantity`, `must be an integer from 1 to ${ORDER_LIMITS.maxQuantity}`);
    }
    return new OrderLine(productId.toLowerCase(), sku, name, price, quantity);
  }

  get lineTotal(): Money {
    return this.unitPrice.multiply(this.quantity);
  }

  /** This line with `other`'s units added: both must be the same product at the same price. */
  mergedWith(other: OrderLine): OrderLine {
    if (other.productId !== this.productId || !other.unitPrice.equals(this.unitPrice)) {
      throw new RangeError(`Lines of product ${this.productId} at different prices cannot be merged`);
    }
    const quantity = this.quantity + other.quantity;
    if (quantity > ORDER_LIMITS.maxQuantity) {
      throw ValidationError.of('lines', `must hold at most ${ORDER_LIMITS.maxQuantity} units of product ${this.productId}, not ${quantity}`);
    }
    return new OrderLine(this.productId, this.sku, this.name, this.unitPrice, quantity);
  }

  toJSON(): OrderLineJson {
    return {
      productId: this.productId,
      sku: this.sku,
      name: this.name,
      unitPrice: this.unitPrice.toJSON(),
      quantity: this.quantity,
      lineTotal: this.lineTotal.toJSON(),
    };
  }
}
