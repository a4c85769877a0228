import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingPersistenceModule } from '@tessera/messaging';
import { ContextDatabaseModule } from '@tessera/platform';
import { Clock } from './application/clock';
import { CancelOrderHandler } from './application/commands/cancel-order/cancel-order.handler';
import { ConfirmPaymentHandler } from './application/commands/confirm-payment/confirm-payment.handler';
import { ExpireDueOrdersHandler } from './application/commands/expire-due-orders/expire-due-orders.handler';
import { PlaceOrderHandler } from './application/commands/place-order/place-order.handler';
import { RecoverPlacementsHandler } from './application/commands/recover-placements/recover-placements.handler';
import { OnPaymentSucceededHandler } from './application/event-handlers/on-payment-succeeded/on-payment-succeeded.handler';
import { OnReservationExpiredHandler } from './application/event-handlers/on-reservation-expired/on-reservation-expired.handler';
import { OnUserDeactivatedHandler } from './application/event-handlers/on-user-deactivated/on-user-deactivated.handler';
import { CUSTOMERS } from './application/customers';
import { OrderPlacementSteps } from './application/order-placement-steps';
import { ORDER_PLACEMENT_REPOSITORY } from './application/order-placements';
import { OrderingSettings } from './application/ordering.settings';
import { PaymentRefunds } from './application/payment-refunds';
import { CheckHealthHandler } from './application/queries/check-health/check-health.handler';
import { GetOrderHandler } from './application/queries/get-order/get-order.handler';
import { GetOrderHistoryHandler } from './application/queries/get-order-history/get-order-history.handler';
import { ListOrdersHandler } from './application/queries/list-orders/list-orders.handler';
import { StockReservations } from './application/stock-reservations';
import { ORDER_REPOSITORY } from './domain/order.repository';
import { ORDERING_MIGRATIONS } from './infrastructure/migrations';
import { OrderEventOrmEntity } from './infrastructure/persistence/order-event.orm-entity';
import { OrderOrmEntity } from './infrastructure/persistence/order.orm-entity';
import { TypeOrmCustomerRepository } from './infrastructure/persistence/typeorm-customer.repository';
import { TypeOrmOrderPlacementRepository } from './infrastructure/persistence/typeorm-order-placement.repository';
import { TypeOrmOrderRepository } from './infrastructure/persistence/typeorm-order.repository';
import { StoredOrdersAwaitingPayment } from './infrastructure/persistence/stored-orders-awaiting-payment';
import { OrderExpiryScheduler } from './interface/order-expiry.scheduler';
import { PlacementRecoveryScheduler } from './interface/placement-recovery.scheduler';
import { OrderingMessagesController } from './interface/ordering.messages.controller';
import { RecentConfirmations } from './application/recent-confirmations';

/**
 * The ordering context: orders as event streams, the order process across
 * users, catalog and payments, and the expiry sweeper; reached only through
 * ORDERING_PATTERNS. Needs PlatformModule (configuration, database) and
 * MessagingModule (clients of users, catalog and payments; event publisher) in the app.
 */
@Module({
  imports: [
    ContextDatabaseModule.forContext({
      context: 'ordering',
      entities: [OrderOrmEntity, OrderEventOrmEntity],
      migrations: ORDERING_MIGRATIONS,
    }),
    TypeOrmModule.forFeature([OrderOrmEntity, OrderEventOrmEntity], 'ordering'),
    MessagingPersistenceModule.forContext('ordering'),
  ],
  controllers: [OrderingMessagesController],
  providers: [
    { provide: ORDER_REPOSITORY, useClass: TypeOrmOrderRepository },
    { provide: ORDER_PLACEMENT_REPOSITORY, useClass: TypeOrmOrderPlacementRepository },
    { provide: CUSTOMERS, useClass: TypeOrmCustomerRepository },
    Clock,
    OrderingSettings,
    RecentConfirmations,
    StoredOrdersAwaitingPayment,
    StockReservations,
    PaymentRefunds,
    OrderPlacementSteps,
    PlaceOrderHandler,
    RecoverPlacementsHandler,
    GetOrderHandler,
    ListOrdersHandler,
    CancelOrderHandler,
    GetOrderHistoryHandler,
    ConfirmPaymentHandler,
    ExpireDueOrdersHandler,
    OnPaymentSucceededHandler,
    OnReservationExpiredHandler,
    OnUserDeactivatedHandler,
    CheckHealthHandler,
    OrderExpiryScheduler,
    PlacementRecoveryScheduler,
  ],
})
export class OrderingModule {}
