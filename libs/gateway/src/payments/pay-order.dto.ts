import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { TextLength } from '../common/validation.decorators';
import { IsUuidField } from '../common/uuid';

/** POST /payments: the amount is the order's total, never the client's. */
export class PayOrderDto {
  @ApiProperty({ format: 'uuid' })
  @IsUuidField()
  orderId: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    pattern: '^[A-Za-z0-9_.:-]+$',
    example: 'pm_card_visa',
    description:
      'A payment method of the provider. The built-in test provider takes pm_card_visa and pm_card_mastercard (they succeed), ' +
      'pm_card_chargeDeclined and pm_card_insufficientFunds (declined, 402); any other is 400.',
  })
  @IsString()
  @TextLength(1, 255)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'paymentMethod must be a payment method id such as pm_card_visa' })
  paymentMethod: string;
}
