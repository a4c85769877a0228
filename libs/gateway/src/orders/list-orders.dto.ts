import { ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationQueryDto } from '../common/pagination.dto';
import { IsUuidField } from '../common/uuid';
import { IsOptionalField } from '../common/validation.decorators';

/** GET /orders?page=&limit=&userId= */
export class ListOrdersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Admins only: one user's orders. A customer may name only themselves." })
  @IsOptionalField()
  @IsUuidField()
  userId?: string;
}
