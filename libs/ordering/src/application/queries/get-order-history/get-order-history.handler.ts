import { Inject, Injectable } from '@nestjs/common';
import type { OrderHistoryEntry } from '@tessera/contracts';
import { ORDER_REPOSITORY, type OrderRepository } from '../../../domain/order.repository';
import { OrderNotFoundError } from '../../../domain/order.errors';
import { isUuid } from '../../../domain/order-id';
import { maySee } from '../../find-order';
import { OrderViewMapper } from '../../order-view.mapper';
import { GetOrderHistoryQuery } from './get-order-history.query';

/** ordering.get-order-history: the order's stream, oldest first, `{ type, version, occurredAt, data }` each; ORDER_NOT_FOUND as get-order. */
@Injectable()
export class GetOrderHistoryHandler {
  constructor(@Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository) {}

  async execute(query: GetOrderHistoryQuery): Promise<OrderHistoryEntry[]> {
    const order = isUuid(query.orderId) ? await this.orders.loadHistory(query.orderId) : null;
    if (!order || !maySee(query.requester, order.userId)) throw new OrderNotFoundError();
    return order.history.map((event) => OrderViewMapper.toHistoryEntry(event));
  }
}
