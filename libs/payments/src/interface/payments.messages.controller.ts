import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { ORDERING_EVENTS, PAYMENTS_PATTERNS } from '@tessera/contracts';
import type { GetPaymentRequest, HealthReply, OrderCancelledEvent, PaymentView, PayOrderRequest, RefundOrderRequest } from '@tessera/contracts';
import { MessagesController } from '@tessera/messaging';
import { PayOrderCommand } from '../application/commands/pay-order/pay-order.command';
import { PayOrderHandler } from '../application/commands/pay-order/pay-order.handler';
import { RefundOrderCommand } from '../application/commands/refund-order/refund-order.command';
import { RefundOrderHandler, type RefundOrderReply } from '../application/commands/refund-order/refund-order.handler';
import { OnOrderCancelledHandler } from '../application/event-handlers/on-order-cancelled/on-order-cancelled.handler';
import { CheckHealthHandler } from '../application/queries/check-health/check-health.handler';
import { CheckHealthQuery } from '../application/queries/check-health/check-health.query';
import { GetPaymentHandler } from '../application/queries/get-payment/get-payment.handler';
import { GetPaymentQuery } from '../application/queries/get-payment/get-payment.query';

/** The payments context's only face: the requests of PAYMENTS_PATTERNS and the events it consumes. */
@MessagesController('payments')
export class PaymentsMessagesController {
  constructor(
    private readonly payOrderHandler: PayOrderHandler,
    private readonly getPaymentHandler: GetPaymentHandler,
    private readonly refundOrderHandler: RefundOrderHandler,
    private readonly checkHealthHandler: CheckHealthHandler,
    private readonly onOrderCancelledHandler: OnOrderCancelledHandler,
  ) {}

  @MessagePattern(PAYMENTS_PATTERNS.PAY_ORDER)
  payOrder(@Payload() request: PayOrderRequest): Promise<PaymentView> {
    return this.payOrderHandler.execute(new PayOrderCommand(request.orderId, request.userId, request.paymentMethod, request.idempotencyKey));
  }

  @MessagePattern(PAYMENTS_PATTERNS.GET_PAYMENT)
  getPayment(@Payload() request: GetPaymentRequest): Promise<PaymentView> {
    return this.getPaymentHandler.execute(new GetPaymentQuery(request.paymentId, request.requester));
  }

  @MessagePattern(PAYMENTS_PATTERNS.REFUND_ORDER)
  refundOrder(@Payload() request: RefundOrderRequest): Promise<RefundOrderReply> {
    return this.refundOrderHandler.execute(new RefundOrderCommand(request.orderId));
  }

  @MessagePattern(PAYMENTS_PATTERNS.CHECK_HEALTH)
  checkHealth(): Promise<HealthReply> {
    return this.checkHealthHandler.execute(new CheckHealthQuery());
  }

  @EventPattern(ORDERING_EVENTS.ORDER_CANCELLED)
  onOrderCancelled(@Payload() event: OrderCancelledEvent): Promise<void> {
    return this.onOrderCancelledHandler.execute(event);
  }
}
