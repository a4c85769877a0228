import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PaymentStatus, PaymentView } from '@tessera/contracts';
import { MoneyDto } from '../common/money.dto';
import { ProblemDto } from '../problems/problem.dto';

export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED'];

/** A payment as the API shows it. */
export class PaymentDto implements PaymentView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  orderId: string;

  @ApiProperty({ type: MoneyDto, description: "The order's total" })
  amount: MoneyDto;

  @ApiProperty({ enum: PAYMENT_STATUSES, description: "PENDING while the provider's answer is not stored yet; REFUNDED once its order is cancelled" })
  status: PaymentStatus;

  @ApiProperty({ example: 'pm_card_visa' })
  paymentMethod: string;

  @ApiPropertyOptional({ example: 'card_declined', description: 'Why the provider declined it; only on a FAILED payment' })
  failureReason?: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  /** Copies only the documented fields, so nothing a context adds to its view reaches a client unreviewed. */
  static of(view: PaymentView): PaymentDto {
    const payment = Object.assign(new PaymentDto(), {
      id: view.id,
      orderId: view.orderId,
      amount: MoneyDto.of(view.amount),
      status: view.status,
      paymentMethod: view.paymentMethod,
      createdAt: view.createdAt,
    });
    if (view.failureReason !== undefined && view.failureReason !== null) payment.failureReason = view.failureReason;
    return payment;
  }
}

/** The 402 of POST /payments: the declined payment is kept, and GET /payments/{paymentId} shows it. */
export class PaymentDeclinedProblemDto extends ProblemDto {
  @ApiProperty({ format: 'uuid', description: 'The declined (FAILED) payment' })
  paymentId: string;
}
