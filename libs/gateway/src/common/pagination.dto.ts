import { ApiPropertyOptional } from '@nestjs/swagger';
import type { PageRequest } from '@tessera/contracts';
import { IsInt, Max, Min } from 'class-validator';
import { ToInteger } from './validation.decorators';

export const MAX_PAGE_LIMIT = 100;
// Far beyond any real list, and keeps (page - 1) * limit a safe integer for every context.
export const MAX_PAGE = 1_000_000;
export const DEFAULT_PAGE_LIMIT = 20;

/** `?page=&limit=` of every list: page from 1, limit 1..100 (default 20), integers only. */
export class PaginationQueryDto implements PageRequest {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 })
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit: number = DEFAULT_PAGE_LIMIT;
}
