import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingPersistenceModule } from '@tessera/messaging';
import { ContextDatabaseModule } from '@tessera/platform';
import { OrderConfirmations } from './application/order-confirmations';
import { PayOrderHandler } from './application/commands/pay-order/pay-order.handler';
import { RefundOrderHandler } from './application/commands/refund-order/refund-order.handler';
import { ResolvePendingPaymentsHandler } from './application/commands/resolve-pending-payments/resolve-pending-payments.handler';
import { OnOrderCancelledHandler } from './application/event-handlers/on-order-cancelled/on-order-cancelled.handler';
import { CheckHealthHandler } from './application/queries/check-health/check-health.handler';
import { GetPaymentHandler } from './application/queries/get-payment/get-payment.handler';
import { PAYMENT_PROVIDER } from './domain/payment.provider';
import { PAYMENT_REPOSITORY } from './domain/payment.repository';
import { PAYMENTS_MIGRATIONS } from './infrastructure/migrations';
import { PaymentOrmEntity } from './infrastructure/persistence/payment.orm-entity';
import { TypeOrmPaymentRepository } from './infrastructure/persistence/typeorm-payment.repository';
import { TestPaymentProvider } from './infrastructure/provider/test-payment.provider';
import { PaymentsMessagesController } from './interface/payments.messages.controller';
import { PendingPaymentsScheduler } from './interface/pending-payments.scheduler';

/**
 * The payments context: charges orders once, refunds them, in its own schema,
 * reachable only through PAYMENTS_PATTERNS. Needs PlatformModule and
 * MessagingModule (with a client of ordering) in the app.
 */
@Module({
  imports: [
    ContextDatabaseModule.forContext({ context: 'payments', entities: [PaymentOrmEntity], migrations: PAYMENTS_MIGRATIONS }),
    TypeOrmModule.forFeature([PaymentOrmEntity], 'payments'),
    MessagingPersistenceModule.forContext('payments'),
  ],
  controllers: [PaymentsMessagesController],
  providers: [
    { provide: PAYMENT_REPOSITORY, useClass: TypeOrmPaymentRepository },
    // The one place a real provider would plug in, behind the same port.
    { provide: PAYMENT_PROVIDER, useClass: TestPaymentProvider },
    OrderConfirmations,
    PayOrderHandler,
    GetPaymentHandler,
    RefundOrderHandler,
    ResolvePendingPaymentsHandler,
    OnOrderCancelledHandler,
    CheckHealthHandler,
    PendingPaymentsScheduler,
  ],
})
export class PaymentsModule {}
