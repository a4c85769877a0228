import { Inject, Injectable } from '@nestjs/common';
import type { OrderView } from '@tessera/contracts';
import { ORDER_REPOSITORY, type OrderRepository } from '../../../domain/order.repository';
import { findSnapshotFor } from '../../find-order';
import { OrderViewMapper } from '../../order-view.mapper';
import { GetOrderQuery } from './get-order.query';

/** ordering.get-order: the order; ORDER_NOT_FOUND also for a malformed id and for another user's order unless an admin asks. */
@Injectable()
export class GetOrderHandler {
  constructor(@Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository) {}

  async execute(query: GetOrderQuery): Promise<OrderView> {
    return OrderViewMapper.toView(await findSnapshotFor(this.orders, query.orderId, query.requester));
  }
}
