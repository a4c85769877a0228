import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CancellationReason, OrderHistoryEntry, OrderLineView, OrderStatus, OrderView, Page } from '@tessera/contracts';
import { MoneyDto } from '../common/money.dto';

export const ORDER_STATUSES: readonly OrderStatus[] = ['AWAITING_PAYMENT', 'CONFIRMED', 'CANCELLED'];
export const CANCELLATION_REASONS: readonly CancellationReason[] = ['CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_ADMIN', 'PAYMENT_EXPIRED'];

/** A line of an order, priced by the catalog when the order was placed. */
export class OrderLineDto implements OrderLineView {
  @ApiProperty({ format: 'uuid' })
  productId: string;

  @ApiProperty({ example: 'TEE-BLK-M' })
  sku: string;

  @ApiProperty({ example: 'Black T-shirt, M' })
  name: string;

  @ApiProperty({ type: MoneyDto, description: 'The catalog price when the order was placed' })
  unitPrice: MoneyDto;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1000 })
  quantity: number;

  @ApiProperty({ type: MoneyDto, description: 'unitPrice × quantity' })
  lineTotal: MoneyDto;

  static of(view: OrderLineView): OrderLineDto {
    return Object.assign(new OrderLineDto(), {
      productId: view.productId,
      sku: view.sku,
      name: view.name,
      unitPrice: MoneyDto.of(view.unitPrice),
      quantity: view.quantity,
      lineTotal: MoneyDto.of(view.lineTotal),
    });
  }
}

/** An order as the API shows it. */
export class OrderDto implements OrderView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty({ enum: ORDER_STATUSES, description: 'AWAITING_PAYMENT, then CONFIRMED (paid) or CANCELLED' })
  status: OrderStatus;

  @ApiProperty({ type: [OrderLineDto], description: 'One line per product' })
  items: OrderLineDto[];

  @ApiProperty({ type: MoneyDto, description: 'The sum of the line totals' })
  total: MoneyDto;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;

  @ApiProperty({ format: 'date-time', description: 'Unpaid by then, the order is cancelled with PAYMENT_EXPIRED and its stock released' })
  expiresAt: string;

  @ApiPropertyOptional({ enum: CANCELLATION_REASONS, description: 'Only on a CANCELLED order' })
  cancellationReason?: CancellationReason;

  /** Copies only the documented fields, so nothing a context adds to its view reaches a client unreviewed. */
  static of(view: OrderView): OrderDto {
    const order = Object.assign(new OrderDto(), {
      id: view.id,
      userId: view.userId,
      status: view.status,
      items: view.items.map(OrderLineDto.of),
      total: MoneyDto.of(view.total),
      createdAt: view.createdAt,
      updatedAt: view.updatedAt,
      expiresAt: view.expiresAt,
    });
    if (view.cancellationReason !== undefined && view.cancellationReason !== null) order.cancellationReason = view.cancellationReason;
    return order;
  }
}

export class OrderPageDto implements Page<OrderDto> {
  @ApiProperty({ type: [OrderDto] })
  items: OrderDto[];

  @ApiProperty({ type: 'integer', description: 'Matching orders across all pages' })
  total: number;

  @ApiProperty({ type: 'integer' })
  page: number;

  @ApiProperty({ type: 'integer' })
  limit: number;
}

/** One event of an order's own stream. */
export class OrderHistoryEntryDto implements OrderHistoryEntry {
  @ApiProperty({ example: 'OrderPlaced', description: 'What happened to the order' })
  type: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: "The order's version after this event: 1, 2, 3, ... with no gaps" })
  version: number;

  @ApiProperty({ format: 'date-time' })
  occurredAt: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What the event records; its members depend on the type' })
  data: Record<string, unknown>;

  static of(entry: OrderHistoryEntry): OrderHistoryEntryDto {
    return Object.assign(new OrderHistoryEntryDto(), { type: entry.type, version: entry.version, occurredAt: entry.occurredAt, data: entry.data ?? {} });
  }
}
