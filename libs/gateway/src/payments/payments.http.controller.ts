import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ERROR_CODES, GetPaymentRequest, PAYMENTS_PATTERNS, PaymentView, PayOrderRequest } from '@tessera/contracts';
import { ContextClient, InjectContextClient, RemoteError } from '@tessera/messaging';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import { requesterOf } from '../auth/authenticated-user';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiIdempotencyKey, IdempotencyKey } from '../common/idempotency-key';
import { isUuid } from '../common/uuid';
import { ApiJsonBodyProblems, ApiProblemOf, ApiProblems } from '../problems/api-problems.decorator';
import { ProblemException } from '../problems/problem.exception';
import { PayOrderDto } from './pay-order.dto';
import { PaymentDeclinedProblemDto, PaymentDto } from './payment.dto';

@ApiTags('payments')
@Authenticated()
@ApiProblems({ 429: ['RATE_LIMITED'], 503: ['CONTEXT_UNAVAILABLE'] })
@Controller('payments')
export class PaymentsHttpController {
  constructor(@InjectContextClient('payments') private readonly payments: ContextClient) {}

  @Post()
  @ApiOperation({
    summary: "Pays an order (its owner) with the order's own total",
    description: 'An order is charged at most once, whatever is retried. After a 201 the order reads back CONFIRMED.',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: PaymentDto, description: 'The payment, SUCCEEDED' })
  @ApiJsonBodyProblems()
  @ApiProblemOf(402, PaymentDeclinedProblemDto, ['PAYMENT_DECLINED: the provider declined; the order stays AWAITING_PAYMENT and may be paid again'])
  @ApiProblems({
    400: ['VALIDATION_FAILED: orderId is not a UUID, or the payment method is unknown'],
    404: ["ORDER_NOT_FOUND: no such order, or another user's"],
    409: ['ORDER_NOT_PAYABLE: the order is paid, cancelled or expired'],
    503: [
      'CONTEXT_UNAVAILABLE: a context this payment needs did not answer. With paymentId, the charge went through and the order is confirmed shortly: a retry with the same Idempotency-Key answers 201 once it is',
    ],
  })
  async pay(@CurrentUser() user: AuthenticatedUser, @Body() body: PayOrderDto, @IdempotencyKey() idempotencyKey?: string): Promise<PaymentDto> {
    const request: PayOrderRequest = { orderId: body.orderId.toLowerCase(), userId: user.id, paymentMethod: body.paymentMethod };
    if (idempotencyKey !== undefined) request.idempotencyKey = idempotencyKey;
    try {
      return PaymentDto.of(await this.payments.send<PaymentView, PayOrderRequest>(PAYMENTS_PATTERNS.PAY_ORDER, request));
    } catch (error) {
      // A declined payment, or a charge ordering could not be asked in time to confirm, names the payment it made.
      if (error instanceof RemoteError && (error.code === ERROR_CODES.PAYMENT_DECLINED || error.code === ERROR_CODES.CONTEXT_UNAVAILABLE)) {
        throw ProblemException.fromRemote(error, { passDetails: ['paymentId'] });
      }
      throw error;
    }
  }

  @Get(':id')
  @ApiOperation({ summary: "A payment, to its order's owner or an admin", description: 'Anyone else gets 404, as for a payment that does not exist.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PaymentDto, description: 'The payment' })
  @ApiProblems({ 404: ['PAYMENT_NOT_FOUND'] })
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<PaymentDto> {
    if (!isUuid(id)) throw new ProblemException(ERROR_CODES.PAYMENT_NOT_FOUND, 'Payment not found');
    const request: GetPaymentRequest = { paymentId: id.toLowerCase(), requester: requesterOf(user) };
    return PaymentDto.of(await this.payments.send<PaymentView, GetPaymentRequest>(PAYMENTS_PATTERNS.GET_PAYMENT, request));
  }
}
