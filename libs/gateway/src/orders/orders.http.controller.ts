import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  CancelOrderRequest,
  ERROR_CODES,
  GetOrderHistoryRequest,
  GetOrderRequest,
  ListOrdersRequest,
  OrderHistoryEntry,
  OrderView,
  ORDERING_PATTERNS,
  Page,
  PlaceOrderRequest,
} from '@tessera/contracts';
import { ContextClient, InjectContextClient, RemoteError } from '@tessera/messaging';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import { requesterOf } from '../auth/authenticated-user';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiIdempotencyKey, IdempotencyKey } from '../common/idempotency-key';
import { mapPage } from '../common/page.mapper';
import { isUuid } from '../common/uuid';
import { ApiJsonBodyProblems, ApiNoBodyProblems, ApiProblems } from '../problems/api-problems.decorator';
import { GATEWAY_ERROR_CODES } from '../problems/problem-codes';
import { ProblemException } from '../problems/problem.exception';
import { ListOrdersQueryDto } from './list-orders.dto';
import { OrderDto, OrderHistoryEntryDto, OrderPageDto } from './order.dto';
import { PlaceOrderDto } from './place-order.dto';
import { ProductCache } from '../products/product.cache';

const ORDER_NOT_FOUND = ["ORDER_NOT_FOUND: no such order, or another user's"];

@ApiTags('orders')
@Authenticated()
@ApiProblems({ 429: ['RATE_LIMITED'], 503: ['CONTEXT_UNAVAILABLE'] })
@Controller('orders')
export class OrdersHttpController {
  constructor(
    @InjectContextClient('ordering') private readonly ordering: ContextClient,
    private readonly products: ProductCache,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Places an order: reserves the stock of every line, priced by the catalog',
    description: `The order awaits payment until expiresAt (ORDER_PAYMENT_TIMEOUT_SECONDS), then is cancelled with PAYMENT_EXPIRED and its stock released.`,
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: OrderDto, description: 'The order, AWAITING_PAYMENT, its stock reserved' })
  @ApiJsonBodyProblems()
  @ApiProblems({
    400: ['VALIDATION_FAILED: 1..50 lines, quantity an integer 1..1000; prices, totals, statuses and userId cannot be sent'],
    409: ['INSUFFICIENT_STOCK: a line asks for more than is in stock; nothing is reserved', 'CONCURRENT_MODIFICATION: retry'],
    422: ['PRODUCT_NOT_FOUND: a line names a product that does not exist; nothing is reserved'],
  })
  async place(@CurrentUser() user: AuthenticatedUser, @Body() body: PlaceOrderDto, @IdempotencyKey() idempotencyKey?: string): Promise<OrderDto> {
    const request: PlaceOrderRequest = {
      userId: user.id,
      // Plain copies: the DTO instances must not travel as classes into the context's request.
      items: body.items.map((item) => ({ productId: item.productId.toLowerCase(), quantity: item.quantity })),
    };
    if (idempotencyKey !== undefined) request.idempotencyKey = idempotencyKey;
    try {
      return OrderDto.of(await this.ordering.send<OrderView, PlaceOrderRequest>(ORDERING_PATTERNS.PLACE_ORDER, request));
    } catch (error) {
      if (error instanceof RemoteError && error.code === ERROR_CODES.PRODUCT_NOT_FOUND) {
        // The URL names no product here: the body does, so the request is well-formed but cannot be processed.
        throw ProblemException.fromRemote(error, { status: HttpStatus.UNPROCESSABLE_ENTITY, passDetails: ['productId'] });
      }
      if (error instanceof RemoteError && error.code === ERROR_CODES.INSUFFICIENT_STOCK)
        throw ProblemException.fromRemote(error, { passDetails: ['productId'] });
      throw error;
    } finally {
      // The reservation took stock (or may have, when the answer was lost): the next product read must show it.
      await this.products.invalidate(request.items.map((item) => item.productId));
    }
  }

  @Get()
  @ApiOperation({ summary: "Lists the signed-in user's orders; an admin sees everyone's, or one user's with ?userId=" })
  @ApiOkResponse({ type: OrderPageDto, description: 'A page of orders' })
  @ApiProblems({
    400: ['VALIDATION_FAILED: page, limit or userId out of range'],
    403: ["FORBIDDEN: a customer named another user's id in ?userId="],
  })
  async list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListOrdersQueryDto): Promise<OrderPageDto> {
    const requester = requesterOf(user);
    const request: ListOrdersRequest = { requester, page: query.page, limit: query.limit };
    if (query.userId !== undefined) {
      const userId = query.userId.toLowerCase();
      if (!requester.isAdmin && userId !== user.id.toLowerCase()) {
        throw new ProblemException(GATEWAY_ERROR_CODES.FORBIDDEN, "Only an admin may list another user's orders.");
      }
      request.userId = userId;
    }
    return mapPage(await this.ordering.send<Page<OrderView>, ListOrdersRequest>(ORDERING_PATTERNS.LIST_ORDERS, request), OrderDto.of);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An order, to its owner or an admin', description: 'Anyone else gets 404, as for an order that does not exist.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: OrderDto, description: 'The order' })
  @ApiProblems({ 404: ORDER_NOT_FOUND })
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<OrderDto> {
    const request: GetOrderRequest = { orderId: orderIdOrNotFound(id), requester: requesterOf(user) };
    return OrderDto.of(await this.ordering.send<OrderView, GetOrderRequest>(ORDERING_PATTERNS.GET_ORDER, request));
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancels an order (its owner or an admin): its stock is released and a paid order refunded',
    description: 'The reason is CANCELLED_BY_CUSTOMER when a customer cancels, CANCELLED_BY_ADMIN when an admin does.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: OrderDto, description: 'The order, CANCELLED' })
  @ApiProblems({ 404: ORDER_NOT_FOUND, 409: ['ORDER_NOT_CANCELLABLE: the order is cancelled already', 'CONCURRENT_MODIFICATION: retry'] })
  @ApiNoBodyProblems()
  async cancel(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<OrderDto> {
    const request: CancelOrderRequest = { orderId: orderIdOrNotFound(id), requester: requesterOf(user) };
    const cancelled = await this.ordering.send<OrderView, CancelOrderRequest>(ORDERING_PATTERNS.CANCEL_ORDER, request);
    // Its stock is back in the catalog when ordering answers.
    await this.products.invalidate(cancelled.items.map((item) => item.productId));
    return OrderDto.of(cancelled);
  }

  @Get(':id/history')
  @ApiOperation({ summary: "The order's events, oldest first (its owner or an admin)" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: [OrderHistoryEntryDto], description: "The order's events, oldest first" })
  @ApiProblems({ 404: ORDER_NOT_FOUND })
  async history(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<OrderHistoryEntryDto[]> {
    const request: GetOrderHistoryRequest = { orderId: orderIdOrNotFound(id), requester: requesterOf(user) };
    const entries = await this.ordering.send<OrderHistoryEntry[], GetOrderHistoryRequest>(ORDERING_PATTERNS.GET_ORDER_HISTORY, request);
    return entries.map(OrderHistoryEntryDto.of);
  }
}

function orderIdOrNotFound(id: string): string {
  if (!isUuid(id)) throw new ProblemException(ERROR_CODES.ORDER_NOT_FOUND, 'Order not found');
  return id.toLowerCase();
}
