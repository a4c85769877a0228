import { randomUUID } from 'node:crypto';
import { AggregateRoot, FieldProblem, isUuid, Money, ValidationError } from '@tessera/shared-kernel';
import { ProductCreatedDomainEvent } from './product-created.domain-event';
import { InsufficientStockError } from './product.errors';
import { ProductField, ProductUpdatedDomainEvent } from './product-updated.domain-event';
import { Sku } from './sku.value-object';
import { StockAdjustedDomainEvent } from './stock-adjusted.domain-event';

/** The bounds every product respects. */
export const PRODUCT_LIMITS = {
  nameMaxLength: 200,
  descriptionMaxLength: 2000,
  // Keeps any order total (at most 50 lines of 1000 units) a safe integer of minor units.
  maxPriceAmount: 100_000_000_000,
  // Fits the `integer` stock column with room to spare.
  maxStock: 1_000_000_000,
} as const;

/** Money as it arrives from outside, before it is checked. */
export interface MoneyInput {
  amount: number;
  currency: string;
}

/** What it takes to create a product; checked by Product.create. */
export interface NewProduct {
  sku: string;
  name: string;
  description?: string;
  price: MoneyInput;
  stock: number;
}

/** A partial change of a product; absent fields stay as they are. */
export interface ProductChanges {
  name?: string;
  description?: string;
  price?: MoneyInput;
}

/** Everything a product is, as stored. */
export interface ProductSnapshot {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: Money;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** Everything a product records as it changes. */
export type ProductDomainEvent = ProductCreatedDomainEvent | ProductUpdatedDomainEvent | StockAdjustedDomainEvent;

// Names are one line; a description may have line breaks and tabs. NUL, which Postgres text refuses, is excluded by both.
/* eslint-disable no-control-regex -- control characters are what these patterns exist to find */
const NAME_FORBIDDEN = /[\u0000-\u001F\u007F-\u009F]/;
const DESCRIPTION_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/* eslint-enable no-control-regex */

/**
 * A product of the catalog and the quantity of it that can be bought now.
 * Stock never goes below zero: every change goes through adjustStock (and,
 * with the ordering context, through reservations) and is refused if it would.
 */
export class Product extends AggregateRoot<ProductDomainEvent> {
  private constructor(private readonly state: ProductSnapshot) {
    super();
  }

  static create(input: NewProduct, now: Date = new Date()): Product {
    const problems: FieldProblem[] = [];
    const sku = collect(problems, () => Sku.of(input.sku));
    const name = collect(problems, () => checkName(input.name));
    const description = collect(problems, () => checkDescription(input.description === undefined ? '' : input.description));
    const price = collect(problems, () => checkPrice(input.price));
    const stock = collect(problems, () => checkStock(input.stock));
    if (problems.length > 0) throw new ValidationError(problems);

    const product = new Product({
      id: randomUUID(),
      sku: sku!.value,
      name: name!,
      description: description!,
      price: price!,
      stock: stock!,
      createdAt: new Date(now),
      updatedAt: new Date(now),
      version: 1,
    });
    product.record(new ProductCreatedDomainEvent(product.id, product.sku, product.price, product.stock, new Date(now)));
    return product;
  }

  /** Rebuilds a stored product; the store's constraints already hold, so nothing is recorded. */
  static reconstitute(snapshot: ProductSnapshot): Product {
    return new Product({ ...snapshot, createdAt: new Date(snapshot.createdAt), updatedAt: new Date(snapshot.updatedAt) });
  }

  /** Product ids are UUIDs; anything else names no product. */
  static isWellFormedId(value: unknown): value is string {
    return isUuid(value);
  }

  get id(): string {
    return this.state.id;
  }

  get sku(): string {
    return this.state.sku;
  }

  get name(): string {
    return this.state.name;
  }

  get description(): string {
    return this.state.description;
  }

  get price(): Money {
    return this.state.price;
  }

  /** The quantity that can be bought now. */
  get stock(): number {
    return this.state.stock;
  }

  get createdAt(): Date {
    return new Date(this.state.createdAt);
  }

  get updatedAt(): Date {
    return new Date(this.state.updatedAt);
  }

  /** The stored version this product was loaded at; a save succeeds only if it is still current. */
  get version(): number {
    return this.state.version;
  }

  /**
   * Changes the name, description and price given, all or none: every field
   * is checked before any is applied. Answers whether anything changed; a
   * change to the same values records nothing.
   */
  update(changes: ProductChanges, now: Date = new Date()): boolean {
    const problems: FieldProblem[] = [];
    const name = changes.name === undefined ? undefined : collect(problems, () => checkName(changes.name));
    const description = changes.description === undefined ? undefined : collect(problems, () => checkDescription(changes.description));
    const price = changes.price === undefined ? undefined : collect(problems, () => checkPrice(changes.price));
    if (problems.length > 0) throw new ValidationError(problems);

    const changed: ProductField[] = [];
    if (name !== undefined && name !== this.state.name) {
      this.state.name = name;
      changed.push('name');
    }
    if (description !== undefined && description !== this.state.description) {
      this.state.description = description;
      changed.push('description');
    }
    if (price !== undefined && !price.equals(this.state.price)) {
      this.state.price = price;
      changed.push('price');
    }
    if (changed.length === 0) return false;

    this.state.updatedAt = new Date(now);
    this.record(new ProductUpdatedDomainEvent(this.id, changed, this.price, new Date(now)));
    return true;
  }

  /** Receives goods (positive delta) or writes them off (negative delta); never takes stock below zero. */
  adjustStock(delta: number, now: Date = new Date()): void {
    const { maxStock } = PRODUCT_LIMITS;
    if (!Number.isSafeInteger(delta) || delta === 0) throw ValidationError.of('delta', 'must be a non-zero integer');
    if (Math.abs(delta) > maxStock) throw ValidationError.of('delta', `must be between -${maxStock} and ${maxStock}`);

    const stock = this.state.stock + delta;
    if (stock < 0) throw new InsufficientStockError(this.id, this.sku, this.state.stock, -delta, 'remove');
    if (stock > maxStock) throw ValidationError.of('delta', `would take stock above ${maxStock}`);

    this.state.stock = stock;
    this.state.updatedAt = new Date(now);
    this.record(new StockAdjustedDomainEvent(this.id, delta, stock, new Date(now)));
  }

  /** Called by the repository once a change is stored, so that a further change is checked against the new version. */
  markStored(version: number): void {
    this.state.version = version;
  }

  toSnapshot(): ProductSnapshot {
    return { ...this.state, createdAt: this.createdAt, updatedAt: this.updatedAt };
  }
}

function collect<T>(problems: FieldProblem[], check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

function checkName(raw: unknown): string {
  if (typeof raw !== 'string') throw ValidationError.of('name', 'must be a string');
  const name = raw.trim();
  const length = characterCount(name);
  if (length === 0 || length > PRODUCT_LIMITS.nameMaxLength) {
    throw ValidationError.of('name', `must be 1 to ${PRODUCT_LIMITS.nameMaxLength} characters`);
  }
  if (NAME_FORBIDDEN.test(name)) throw ValidationError.of('name', 'must not contain control characters');
  return name;
}

function checkDescription(raw: unknown): string {
  if (typeof raw !== 'string') throw ValidationError.of('description', 'must be a string');
  const description = raw.trim();
  if (characterCount(description) > PRODUCT_LIMITS.descriptionMaxLength) {
    throw ValidationError.of('description', `must be at most ${PRODUCT_LIMITS.descriptionMaxLength} characters`);
  }
  if (DESCRIPTION_FORBIDDEN.test(description)) {
    throw ValidationError.of('description', 'must not contain control characters other than line breaks and tabs');
  }
  return description;
}

function checkPrice(raw: unknown): Money {
  if (typeof raw !== 'object' || raw === null) throw ValidationError.of('price', 'must be an object with amount and currency');
  const { amount, currency } = raw as Partial<MoneyInput>;
  const price = Money.of(amount as number, currency as string, 'price');
  if (price.isNegative()) throw ValidationError.of('price.amount', 'must not be negative');
  if (price.amount > PRODUCT_LIMITS.maxPriceAmount) {
    throw ValidationError.of('price.amount', `must be at most ${PRODUCT_LIMITS.maxPriceAmount}`);
  }
  return price;
}

function checkStock(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0 || raw > PRODUCT_LIMITS.maxStock) {
    throw ValidationError.of('stock', `must be an integer from 0 to ${PRODUCT_LIMITS.maxStock}`);
  }
  return raw;
}

// Limits count code points, so that an emoji counts as one character rather than as two UTF-16 units.
function characterCount(value: string): number {
  return [...value].length;
}
