import { ApiPropertyOptional } from '@nestjs/swagger';
import type { PageRequest } from '@tessera/contracts';
import { PAGE_LIMITS } from '@tessera/shared-kernel';
import { IsInt, Max, Min } from 'class-validator';
import { ToInteger } from './validation.decorators';

export const MAX_PAGE_LIMIT = PAGE_LIMITS.maxLimit;
export const MAX_PAGE = PAGE_LIMITS.maxPage;
export const DEFAULT_PAGE_LIMIT = PAGE_LIMITS.defaultLimit;

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
