import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingPersistenceModule } from '@tessera/messaging';
import { ContextDatabaseModule } from '@tessera/platform';
import { AdjustStockHandler } from './application/commands/adjust-stock/adjust-stock.handler';
import { CommitReservationHandler } from './application/commands/commit-reservation/commit-reservation.handler';
import { CreateProductHandler } from './application/commands/create-product/create-product.handler';
import { ExpireOverdueReservationsHandler } from './application/commands/expire-overdue-reservations/expire-overdue-reservations.handler';
import { ReleaseReservationHandler } from './application/commands/release-reservation/release-reservation.handler';
import { ReserveStockHandler } from './application/commands/reserve-stock/reserve-stock.handler';
import { SeedDemoProductsCommand } from './application/commands/seed-demo-products/seed-demo-products.command';
import { SeedDemoProductsHandler } from './application/commands/seed-demo-products/seed-demo-products.handler';
import { isDemoDataWanted } from './application/commands/seed-demo-products/demo-data-wanted';
import { UpdateProductHandler } from './application/commands/update-product/update-product.handler';
import { OnOrderCancelledHandler } from './application/event-handlers/on-order-cancelled/on-order-cancelled.handler';
import { OnOrderConfirmedHandler } from './application/event-handlers/on-order-confirmed/on-order-confirmed.handler';
import { CheckHealthHandler } from './application/queries/check-health/check-health.handler';
import { GetProductHandler } from './application/queries/get-product/get-product.handler';
import { ListProductsHandler } from './application/queries/list-products/list-products.handler';
import { PRODUCT_REPOSITORY } from './domain/product.repository';
import { RESERVATION_REPOSITORY } from './domain/reservation.repository';
import { CATALOG_MIGRATIONS } from './infrastructure/migrations';
import { ProductOrmEntity } from './infrastructure/persistence/product.orm-entity';
import { ReservationLineOrmEntity } from './infrastructure/persistence/reservation-line.orm-entity';
import { ReservationOrmEntity } from './infrastructure/persistence/reservation.orm-entity';
import { TypeOrmProductRepository } from './infrastructure/persistence/typeorm-product.repository';
import { TypeOrmReservationRepository } from './infrastructure/persistence/typeorm-reservation.repository';
import { CatalogMessagesController } from './interface/catalog.messages.controller';
import { ReservationExpiryScheduler } from './interface/reservation-expiry.scheduler';
import { RecentCommits } from './application/recent-commits';

/** The catalog context: products, their stock and its reservations for orders, reached only through CATALOG_PATTERNS. */
@Module({
  imports: [
    ContextDatabaseModule.forContext({
      context: 'catalog',
      entities: [ProductOrmEntity, ReservationOrmEntity, ReservationLineOrmEntity],
      migrations: CATALOG_MIGRATIONS,
    }),
    TypeOrmModule.forFeature([ProductOrmEntity], 'catalog'),
    MessagingPersistenceModule.forContext('catalog'),
  ],
  controllers: [CatalogMessagesController],
  providers: [
    { provide: PRODUCT_REPOSITORY, useClass: TypeOrmProductRepository },
    { provide: RESERVATION_REPOSITORY, useClass: TypeOrmReservationRepository },
    RecentCommits,
    CreateProductHandler,
    GetProductHandler,
    ListProductsHandler,
    UpdateProductHandler,
    AdjustStockHandler,
    ReserveStockHandler,
    CommitReservationHandler,
    ReleaseReservationHandler,
    ExpireOverdueReservationsHandler,
    ReservationExpiryScheduler,
    OnOrderConfirmedHandler,
    OnOrderCancelledHandler,
    CheckHealthHandler,
    SeedDemoProductsHandler,
  ],
})
export class CatalogModule implements OnApplicationBootstrap {
  constructor(
    private readonly config: ConfigService,
    private readonly seedDemoProducts: SeedDemoProductsHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (isDemoDataWanted(this.config.get<string>('NODE_ENV'), this.config.get<unknown>('SEED_DEMO_DATA'))) {
      await this.seedDemoProducts.execute(new SeedDemoProductsCommand());
    }
  }
}
