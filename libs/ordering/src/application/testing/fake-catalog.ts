import { randomUUID } from 'node:crypto';
import { CATALOG_PATTERNS, ERROR_CODES, MoneyDto, ReservationStatus, ReservationView, ReservedLine } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { FakeContextClient } from './fake-context-client';

interface FakeProduct {
  sku: string;
  name: string;
  price: MoneyDto;
  stock: number;
}

/**
 * The catalog's reservations as its contract describes them, in memory:
 * reserve all lines or none (idempotent by reservation id), commit once,
 * release once (units back to stock, an unknown reservation is fine).
 */
export class FakeCatalog extends FakeContextClient {
  private readonly products = new Map<string, FakeProduct>();
  private readonly reservations = new Map<string, { status: ReservationStatus; lines: ReservedLine[] }>();

  constructor() {
    super('catalog');
    this.answer(CATALOG_PATTERNS.RESERVE_STOCK, (request) =>
      this.reserve(request as { reservationId: string; lines: { productId: string; quantity: number }[] }),
    );
    this.answer(CATALOG_PATTERNS.COMMIT_RESERVATION, (request) => this.commit(String(request.reservationId)));
    this.answer(CATALOG_PATTERNS.RELEASE_RESERVATION, (request) => this.release(String(request.reservationId)));
  }

  givenProduct(product: Partial<FakeProduct> & { stock: number }, id: string = randomUUID()): string {
    this.products.set(id, {
      sku: `SKU-${this.products.size + 1}`,
      name: `Product ${this.products.size + 1}`,
      price: { amount: 1000, currency: 'USD' },
      ...product,
    });
    return id;
  }

  stockOf(productId: string): number | undefined {
    return this.products.get(productId)?.stock;
  }

  statusOf(reservationId: string): ReservationStatus | undefined {
    return this.reservations.get(reservationId)?.status;
  }

  private reserve({ reservationId, lines }: { reservationId: string; lines: { productId: string; quantity: number }[] }): ReservationView {
    const existing = this.reservations.get(reservationId);
    if (existing) return { reservationId, ...existing };
    for (const { productId, quantity } of lines) {
      const product = this.products.get(productId);
      if (!product) throw new DomainError(ERROR_CODES.PRODUCT_NOT_FOUND, 'Product not found', { productId });
      if (product.stock < quantity) throw new DomainError(ERROR_CODES.INSUFFICIENT_STOCK, 'Not enough stock', { productId });
    }
    const reserved = lines.map(({ productId, quantity }) => {
      const product = this.products.get(productId)!;
      product.stock -= quantity;
      return { productId, sku: product.sku, name: product.name, unitPrice: product.price, quantity };
    });
    this.reservations.set(reservationId, { status: 'RESERVED', lines: reserved });
    return { reservationId, status: 'RESERVED', lines: reserved };
  }

  private commit(reservationId: string): ReservationView {
    const reservation = this.reservations.get(reservationId);
    if (!reservation) throw new DomainError(ERROR_CODES.RESERVATION_NOT_FOUND, 'No such reservation');
    if (reservation.status === 'RESERVED') reservation.status = 'COMMITTED';
    return { reservationId, ...reservation };
  }

  private release(reservationId: string): { reservationId: string } {
    const reservation = this.reservations.get(reservationId);
    if (reservation && reservation.status !== 'RELEASED') {
      for (const line of reservation.lines) this.products.get(line.productId)!.stock += line.quantity;
      reservation.status = 'RELEASED';
    }
    return { reservationId };
  }
}
