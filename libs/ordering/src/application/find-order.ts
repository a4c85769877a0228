import type { Requester } from '@tessera/contracts';
import type { Order, OrderSnapshot } from '../domain/order.aggregate';
import { OrderNotFoundError } from '../domain/order.errors';
import { isUuid } from '../domain/order-id';
import type { OrderRepository } from '../domain/order.repository';

/** An admin sees every order, a customer only their own. */
export function maySee(requester: Requester | undefined, ownerId: string): boolean {
  if (requester?.isAdmin === true) return true;
  return typeof requester?.userId === 'string' && requester.userId.toLowerCase() === ownerId.toLowerCase();
}

/**
 * The order to change (OrderRepository.load: its projection row, or the state
 * this process stored it in while it awaits payment), for a change made on no
 * one's behalf; ORDER_NOT_FOUND when there is none or when the id is
 * malformed (answered here, without asking the store).
 */
export async function loadOrder(orders: OrderRepository, orderId: unknown): Promise<Order> {
  const order = isUuid(orderId) ? await orders.load(orderId) : null;
  if (!order) throw new OrderNotFoundError();
  return order;
}

/**
 * The order to change, as loadOrder has it, for a change asked by
 * `requester`: the refusals of loadOrder, and ORDER_NOT_FOUND too when the
 * requester may not see it, so that its existence is not revealed.
 */
export async function loadOrderFor(orders: OrderRepository, orderId: unknown, requester: Requester | undefined): Promise<Order> {
  const order = await loadOrder(orders, orderId);
  if (!maySee(requester, order.userId)) throw new OrderNotFoundError();
  return order;
}

/** The order as its projection has it, for reading; the same refusals as loadOrderFor. */
export async function findSnapshotFor(orders: OrderRepository, orderId: unknown, requester: Requester | undefined): Promise<OrderSnapshot> {
  const order = isUuid(orderId) ? await orders.findSnapshot(orderId) : null;
  if (!order || !maySee(requester, order.userId)) throw new OrderNotFoundError();
  return order;
}
