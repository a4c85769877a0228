import { Inject, Injectable } from '@nestjs/common';
import type { OrderView, Page } from '@tessera/contracts';
import { checkedPageRequest } from '@tessera/shared-kernel';
import { isUuid } from '../../../domain/order-id';
import { ORDER_REPOSITORY, type OrderRepository } from '../../../domain/order.repository';
import { OrderViewMapper } from '../../order-view.mapper';
import { ListOrdersQuery } from './list-orders.query';

/**
 * ordering.list-orders, newest first: a customer gets their own orders
 * whatever `userId` says; an admin everyone's, or one user's with `userId`.
 * An id that is no UUID names nobody: an empty page.
 */
@Injectable()
export class ListOrdersHandler {
  constructor(@Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository) {}

  async execute(query: ListOrdersQuery): Promise<Page<OrderView>> {
    const { page, limit } = checkedPageRequest(query);
    const owner = query.requester?.isAdmin === true ? (query.userId ?? undefined) : query.requester?.userId;
    const everyone = query.requester?.isAdmin === true && owner === undefined;
    if (!everyone && !isUuid(owner)) return { items: [], total: 0, page, limit };

    const { items, total } = await this.orders.list({ userId: owner?.toLowerCase(), offset: (page - 1) * limit, limit });
    return { items: items.map((order) => OrderViewMapper.toView(order)), total, page, limit };
  }
}
