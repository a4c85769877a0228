import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FieldProblem, ProblemDetails } from '@tessera/platform';

export class FieldProblemDto implements FieldProblem {
  @ApiProperty({ example: 'price.amount' })
  field: string;

  @ApiProperty({ example: 'amount must be an integer number' })
  message: string;
}

/** The problem+json body of every error (RFC 9457). */
export class ProblemDto implements ProblemDetails {
  [extension: string]: unknown;

  @ApiProperty({ example: 'about:blank', description: 'Always about:blank: `code` carries the meaning' })
  type: string;

  @ApiProperty({ description: 'The HTTP status phrase' })
  title: string;

  @ApiProperty({ type: 'integer', description: 'The HTTP status of the answer' })
  status: number;

  @ApiProperty({ description: 'What went wrong, for people' })
  detail: string;

  @ApiProperty({ description: 'Stable UPPER_SNAKE machine code' })
  code: string;

  @ApiPropertyOptional({ type: [FieldProblemDto], description: 'Field problems, for VALIDATION_FAILED' })
  errors?: FieldProblemDto[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'INSUFFICIENT_STOCK and PRODUCT_NOT_FOUND of POST /orders: the product of the line that could not be had',
  })
  productId?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'IDEMPOTENCY_KEY_IN_USE: the seconds to wait before asking again, as in Retry-After' })
  retryAfterSeconds?: number;
}
