import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { CATALOG_EVENTS, ORDERING_PATTERNS, PAYMENTS_EVENTS, USERS_EVENTS } from '@tessera/contracts';
import type {
  CancelOrderRequest,
  ConfirmPaymentRequest,
  GetOrderHistoryRequest,
  GetOrderRequest,
  HealthReply,
  ListOrdersRequest,
  OrderHistoryEntry,
  OrderView,
  Page,
  PaymentSucceededEvent,
  PlaceOrderRequest,
  ReservationExpiredEvent,
  UserDeactivatedEvent,
} from '@tessera/contracts';
import { MessagesController } from '@tessera/messaging';
import { CancelOrderCommand } from '../application/commands/cancel-order/cancel-order.command';
import { CancelOrderHandler } from '../application/commands/cancel-order/cancel-order.handler';
import { ConfirmPaymentCommand } from '../application/commands/confirm-payment/confirm-payment.command';
import { ConfirmPaymentHandler } from '../application/commands/confirm-payment/confirm-payment.handler';
import { PlaceOrderCommand } from '../application/commands/place-order/place-order.command';
import { PlaceOrderHandler } from '../application/commands/place-order/place-order.handler';
import { OnPaymentSucceededHandler } from '../application/event-handlers/on-payment-succeeded/on-payment-succeeded.handler';
import { OnReservationExpiredHandler } from '../application/event-handlers/on-reservation-expired/on-reservation-expired.handler';
import { OnUserDeactivatedHandler } from '../application/event-handlers/on-user-deactivated/on-user-deactivated.handler';
import { CheckHealthHandler } from '../application/queries/check-health/check-health.handler';
import { CheckHealthQuery } from '../application/queries/check-health/check-health.query';
import { GetOrderHandler } from '../application/queries/get-order/get-order.handler';
import { GetOrderQuery } from '../application/queries/get-order/get-order.query';
import { GetOrderHistoryHandler } from '../application/queries/get-order-history/get-order-history.handler';
import { GetOrderHistoryQuery } from '../application/queries/get-order-history/get-order-history.query';
import { ListOrdersHandler } from '../application/queries/list-orders/list-orders.handler';
import { ListOrdersQuery } from '../application/queries/list-orders/list-orders.query';

/** The ordering context's only face: the requests of ORDERING_PATTERNS and the events it consumes. */
@MessagesController('ordering')
export class OrderingMessagesController {
  constructor(
    private readonly placeOrderHandler: PlaceOrderHandler,
    private readonly getOrderHandler: GetOrderHandler,
    private readonly listOrdersHandler: ListOrdersHandler,
    private readonly cancelOrderHandler: CancelOrderHandler,
    private readonly getOrderHistoryHandler: GetOrderHistoryHandler,
    private readonly confirmPaymentHandler: ConfirmPaymentHandler,
    private readonly checkHealthHandler: CheckHealthHandler,
    private readonly onPaymentSucceededHandler: OnPaymentSucceededHandler,
    private readonly onReservationExpiredHandler: OnReservationExpiredHandler,
    private readonly onUserDeactivatedHandler: OnUserDeactivatedHandler,
  ) {}

  @MessagePattern(ORDERING_PATTERNS.PLACE_ORDER)
  placeOrder(@Payload() request: PlaceOrderRequest): Promise<OrderView> {
    return this.placeOrderHandler.execute(new PlaceOrderCommand(request.userId, request.items, request.idempotencyKey));
  }

  @MessagePattern(ORDERING_PATTERNS.GET_ORDER)
  getOrder(@Payload() request: GetOrderRequest): Promise<OrderView> {
    return this.getOrderHandler.execute(new GetOrderQuery(request.orderId, request.requester));
  }

  @MessagePattern(ORDERING_PATTERNS.LIST_ORDERS)
  listOrders(@Payload() request: ListOrdersRequest): Promise<Page<OrderView>> {
    return this.listOrdersHandler.execute(new ListOrdersQuery(request.requester, request.page, request.limit, request.userId));
  }

  @MessagePattern(ORDERING_PATTERNS.CANCEL_ORDER)
  cancelOrder(@Payload() request: CancelOrderRequest): Promise<OrderView> {
    return this.cancelOrderHandler.execute(new CancelOrderCommand(request.orderId, request.requester));
  }

  @MessagePattern(ORDERING_PATTERNS.GET_ORDER_HISTORY)
  getOrderHistory(@Payload() request: GetOrderHistoryRequest): Promise<OrderHistoryEntry[]> {
    return this.getOrderHistoryHandler.execute(new GetOrderHistoryQuery(request.orderId, request.requester));
  }

  @MessagePattern(ORDERING_PATTERNS.CONFIRM_PAYMENT)
  confirmPayment(@Payload() request: ConfirmPaymentRequest): Promise<OrderView> {
    return this.confirmPaymentHandler.execute(new ConfirmPaymentCommand(request.orderId, request.paymentId));
  }

  @MessagePattern(ORDERING_PATTERNS.CHECK_HEALTH)
  checkHealth(): Promise<HealthReply> {
    return this.checkHealthHandler.execute(new CheckHealthQuery());
  }

  @EventPattern(PAYMENTS_EVENTS.PAYMENT_SUCCEEDED)
  onPaymentSucceeded(@Payload() event: PaymentSucceededEvent): Promise<void> {
    return this.onPaymentSucceededHandler.execute(event);
  }

  @EventPattern(CATALOG_EVENTS.RESERVATION_EXPIRED)
  onReservationExpired(@Payload() event: ReservationExpiredEvent): Promise<void> {
    return this.onReservationExpiredHandler.execute(event);
  }

  @EventPattern(USERS_EVENTS.USER_DEACTIVATED)
  onUserDeactivated(@Payload() event: UserDeactivatedEvent): Promise<void> {
    return this.onUserDeactivatedHandler.execute(event);
  }
}
