import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { CATALOG_PATTERNS, ORDERING_EVENTS } from '@tessera/contracts';
import type {
  AdjustStockRequest,
  CommitReservationRequest,
  CreateProductRequest,
  GetProductRequest,
  HealthReply,
  ListProductsRequest,
  OrderCancelledEvent,
  OrderConfirmedEvent,
  Page,
  ProductView,
  ReleaseReservationRequest,
  ReservationView,
  ReserveStockRequest,
  UpdateProductRequest,
} from '@tessera/contracts';
import { MessagesController } from '@tessera/messaging';
import { AdjustStockCommand } from '../application/commands/adjust-stock/adjust-stock.command';
import { AdjustStockHandler } from '../application/commands/adjust-stock/adjust-stock.handler';
import { CreateProductCommand } from '../application/commands/create-product/create-product.command';
import { CommitReservationCommand } from '../application/commands/commit-reservation/commit-reservation.command';
import { CommitReservationHandler } from '../application/commands/commit-reservation/commit-reservation.handler';
import { CreateProductHandler } from '../application/commands/create-product/create-product.handler';
import { ReleaseReservationCommand } from '../application/commands/release-reservation/release-reservation.command';
import { ReleaseReservationHandler } from '../application/commands/release-reservation/release-reservation.handler';
import { ReserveStockCommand } from '../application/commands/reserve-stock/reserve-stock.command';
import { ReserveStockHandler } from '../application/commands/reserve-stock/reserve-stock.handler';
import { UpdateProductCommand } from '../application/commands/update-product/update-product.command';
import { UpdateProductHandler } from '../application/commands/update-product/update-product.handler';
import { OnOrderCancelledHandler } from '../application/event-handlers/on-order-cancelled/on-order-cancelled.handler';
import { OnOrderConfirmedHandler } from '../application/event-handlers/on-order-confirmed/on-order-confirmed.handler';
import { CheckHealthHandler } from '../application/queries/check-health/check-health.handler';
import { CheckHealthQuery } from '../application/queries/check-health/check-health.query';
import { GetProductHandler } from '../application/queries/get-product/get-product.handler';
import { GetProductQuery } from '../application/queries/get-product/get-product.query';
import { ListProductsHandler } from '../application/queries/list-products/list-products.handler';
import { ListProductsQuery } from '../application/queries/list-products/list-products.query';

/** The catalog's only face: the requests of CATALOG_PATTERNS, and the ordering events it acts on. */
@MessagesController('catalog')
export class CatalogMessagesController {
  constructor(
    private readonly createProductHandler: CreateProductHandler,
    private readonly getProductHandler: GetProductHandler,
    private readonly listProductsHandler: ListProductsHandler,
    private readonly updateProductHandler: UpdateProductHandler,
    private readonly adjustStockHandler: AdjustStockHandler,
    private readonly reserveStockHandler: ReserveStockHandler,
    private readonly commitReservationHandler: CommitReservationHandler,
    private readonly releaseReservationHandler: ReleaseReservationHandler,
    private readonly onOrderConfirmedHandler: OnOrderConfirmedHandler,
    private readonly onOrderCancelledHandler: OnOrderCancelledHandler,
    private readonly checkHealthHandler: CheckHealthHandler,
  ) {}

  @MessagePattern(CATALOG_PATTERNS.CREATE_PRODUCT)
  createProduct(@Payload() request: CreateProductRequest): Promise<ProductView> {
    return this.createProductHandler.execute(new CreateProductCommand(request.sku, request.name, request.description, request.price, request.stock));
  }

  @MessagePattern(CATALOG_PATTERNS.GET_PRODUCT)
  getProduct(@Payload() request: GetProductRequest): Promise<ProductView> {
    return this.getProductHandler.execute(new GetProductQuery(request.productId));
  }

  @MessagePattern(CATALOG_PATTERNS.LIST_PRODUCTS)
  listProducts(@Payload() request: ListProductsRequest): Promise<Page<ProductView>> {
    return this.listProductsHandler.execute(new ListProductsQuery(request.page, request.limit, request.q));
  }

  @MessagePattern(CATALOG_PATTERNS.UPDATE_PRODUCT)
  updateProduct(@Payload() request: UpdateProductRequest): Promise<ProductView> {
    return this.updateProductHandler.execute(new UpdateProductCommand(request.productId, request.name, request.description, request.price));
  }

  @MessagePattern(CATALOG_PATTERNS.ADJUST_STOCK)
  adjustStock(@Payload() request: AdjustStockRequest): Promise<ProductView> {
    return this.adjustStockHandler.execute(new AdjustStockCommand(request.productId, request.delta));
  }

  @MessagePattern(CATALOG_PATTERNS.RESERVE_STOCK)
  reserveStock(@Payload() request: ReserveStockRequest): Promise<ReservationView> {
    return this.reserveStockHandler.execute(new ReserveStockCommand(request.reservationId, request.lines, request.holdSeconds));
  }

  @MessagePattern(CATALOG_PATTERNS.COMMIT_RESERVATION)
  commitReservation(@Payload() request: CommitReservationRequest): Promise<ReservationView> {
    return this.commitReservationHandler.execute(new CommitReservationCommand(request.reservationId));
  }

  @MessagePattern(CATALOG_PATTERNS.RELEASE_RESERVATION)
  releaseReservation(@Payload() request: ReleaseReservationRequest): Promise<ReservationView> {
    return this.releaseReservationHandler.execute(new ReleaseReservationCommand(request.reservationId));
  }

  @EventPattern(ORDERING_EVENTS.ORDER_CONFIRMED)
  onOrderConfirmed(@Payload() event: OrderConfirmedEvent): Promise<void> {
    return this.onOrderConfirmedHandler.execute(event);
  }

  @EventPattern(ORDERING_EVENTS.ORDER_CANCELLED)
  onOrderCancelled(@Payload() event: OrderCancelledEvent): Promise<void> {
    return this.onOrderCancelledHandler.execute(event);
  }

  @MessagePattern(CATALOG_PATTERNS.CHECK_HEALTH)
  checkHealth(): Promise<HealthReply> {
    return this.checkHealthHandler.execute(new CheckHealthQuery());
  }
}
