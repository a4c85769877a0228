import { MAX_RESERVATION_HOLD_SECONDS } from '@tessera/contracts';
import { FieldProblem, ValidationError } from '@tessera/shared-kernel';
import { Product } from './product.aggregate';
import { ProductNotFoundError } from './product.errors';
import { Reservation } from './reservation.aggregate';

/** The bounds of one reservation, the same as of one order, and how long its units may be held uncommitted. */
export const RESERVATION_LIMITS = {
  maxLines: 50,
  // Per product, after the lines naming it are added up.
  maxQuantity: 1000,
  defaultHoldSeconds: 1800,
  maxHoldSeconds: MAX_RESERVATION_HOLD_SECONDS,
} as const;

/** A quantity of one product to take out of stock. */
export interface RequestedLine {
  productId: string;
  quantity: number;
}

/**
 * What a reservation asks for, checked: a UUID id, 1 to 50 lines, each an
 * integer quantity of 1 to 1000, and how long to hold the units: an integer
 * number of seconds from 1 to 604800, 1800 when not given. Lines naming the
 * same product are added up into one (ids compared ignoring case), and the
 * lines come sorted by product id, the order in which every reservation takes stock.
 */
export class ReservationRequest {
  private constructor(
    readonly reservationId: string,
    readonly lines: readonly RequestedLine[],
    readonly holdSeconds: number,
  ) {}

  /**
   * VALIDATION_FAILED with every refused field; then PRODUCT_NOT_FOUND (with
   * `details.productId`) for a product id that is not a UUID, without asking the store.
   */
  static of(reservationId: unknown, lines: unknown, holdSeconds?: unknown): ReservationRequest {
    const problems: FieldProblem[] = [];
    if (!Reservation.isWellFormedId(reservationId)) problems.push({ field: 'reservationId', message: 'must be a UUID' });
    const requested = checkLines(lines, problems);
    const hold = checkHoldSeconds(holdSeconds, problems);
    const merged = merge(requested);
    for (const line of merged) {
      if (line.quantity > RESERVATION_LIMITS.maxQuantity) {
        problems.push({
          field: 'lines',
          message: `must ask for at most ${RESERVATION_LIMITS.maxQuantity} units of product ${line.productId} in all`,
        });
      }
    }
    if (problems.length > 0) throw new ValidationError(problems);

    const malformed = merged.find((line) => !Product.isWellFormedId(line.productId));
    if (malformed) throw new ProductNotFoundError(malformed.productId);
    return new ReservationRequest((reservationId as string).toLowerCase(), merged, hold);
  }
}

function checkHoldSeconds(raw: unknown, problems: FieldProblem[]): number {
  const { defaultHoldSeconds, maxHoldSeconds } = RESERVATION_LIMITS;
  if (raw === undefined) return defaultHoldSeconds;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 1 && raw <= maxHoldSeconds) return raw;
  problems.push({ field: 'holdSeconds', message: `must be an integer from 1 to ${maxHoldSeconds}` });
  return defaultHoldSeconds;
}

function checkLines(raw: unknown, problems: FieldProblem[]): RequestedLine[] {
  const { maxLines, maxQuantity } = RESERVATION_LIMITS;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > maxLines) {
    problems.push({ field: 'lines', message: `must be a list of 1 to ${maxLines} lines` });
    return [];
  }
  const lines: RequestedLine[] = [];
  raw.forEach((line: unknown, index) => {
    if (typeof line !== 'object' || line === null) {
      problems.push({ field: `lines.${index}`, message: 'must be an object with productId and quantity' });
      return;
    }
    const { productId, quantity } = line as Partial<Record<keyof RequestedLine, unknown>>;
    const validId = typeof productId === 'string';
    const validQuantity = typeof quantity === 'number' && Number.isSafeInteger(quantity) && quantity >= 1 && quantity <= maxQuantity;
    if (!validId) problems.push({ field: `lines.${index}.productId`, message: 'must be a string' });
    if (!validQuantity) problems.push({ field: `lines.${index}.quantity`, message: `must be an integer from 1 to ${maxQuantity}` });
    if (validId && validQuantity) lines.push({ productId, quantity });
  });
  return lines;
}

// UUIDs are the same whatever their case; the catalog hands them out in lower case, so that is how lines name them.
function merge(lines: RequestedLine[]): RequestedLine[] {
  const quantities = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    const key = Product.isWellFormedId(productId) ? productId.toLowerCase() : productId;
    quantities.set(key, (quantities.get(key) ?? 0) + quantity);
  }
  return [...quantities]
    .map(([productId, quantity]) => ({ productId, quantity }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}
