import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONTEXT_NAMES } from '@tessera/contracts';
import type { ContextName, DeadLetterView, Page } from '@tessera/contracts';
import { IsIn, IsString } from 'class-validator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { HasNoControlCharacters, IsOptionalField, MaxTextLength, NO_CONTROL_CHARACTERS_PATTERN } from '../common/validation.decorators';

/** GET /admin/dead-letters?context=&pattern=&page=&limit= */
export class ListDeadLettersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: CONTEXT_NAMES, description: 'Only the dead letters of this context' })
  @IsOptionalField()
  @IsIn(CONTEXT_NAMES)
  context?: ContextName;

  @ApiPropertyOptional({
    maxLength: 200,
    pattern: NO_CONTROL_CHARACTERS_PATTERN,
    example: 'ordering.order.cancelled',
    description: 'Only the dead letters of this event pattern',
  })
  @IsOptionalField()
  @IsString()
  @MaxTextLength(200)
  // No pattern holds one, and a NUL would reach each context's Postgres, which refuses it in text.
  @HasNoControlCharacters()
  pattern?: string;
}

/** An event one consumer failed to process EVENT_MAX_ATTEMPTS times, parked until an operator replays or discards it. */
export class DeadLetterDto implements DeadLetterView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: CONTEXT_NAMES })
  context: ContextName;

  @ApiProperty({ example: 'catalog' })
  consumer: string;

  @ApiProperty({ example: 'ordering.order.cancelled' })
  pattern: string;

  @ApiProperty({ format: 'uuid' })
  eventId: string;

  @ApiProperty({ type: 'integer', example: 8 })
  attempts: number;

  @ApiProperty({ example: 'Error: connection terminated' })
  lastError: string;

  @ApiProperty({ format: 'date-time' })
  firstFailedAt: string;

  @ApiProperty({ format: 'date-time' })
  lastFailedAt: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event as it was delivered' })
  payload: Record<string, unknown>;

  /** Copies only the documented fields. */
  static of(view: DeadLetterView): DeadLetterDto {
    return Object.assign(new DeadLetterDto(), {
      id: view.id,
      context: view.context,
      consumer: view.consumer,
      pattern: view.pattern,
      eventId: view.eventId,
      attempts: view.attempts,
      lastError: view.lastError,
      firstFailedAt: view.firstFailedAt,
      lastFailedAt: view.lastFailedAt,
      payload: view.payload,
    });
  }
}

/** A page of dead letters, newest failure first. */
export class DeadLetterPageDto implements Page<DeadLetterDto> {
  @ApiProperty({ type: [DeadLetterDto] })
  items: DeadLetterDto[];

  @ApiProperty({ type: 'integer' })
  total: number;

  @ApiProperty({ type: 'integer' })
  page: number;

  @ApiProperty({ type: 'integer' })
  limit: number;
}

/** What a replay answers: the dead letter was handed to its consumer again. */
export class DeadLetterReplayedDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['REPLAYED'] })
  status: 'REPLAYED';
}
