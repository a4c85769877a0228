import { ApiProperty } from '@nestjs/swagger';
import type { IssuedAccessToken } from './access-token.service';

/** The answer to a successful login. */
export class AccessTokenDto implements IssuedAccessToken {
  @ApiProperty({ description: 'A JWT to send as `Authorization: Bearer <accessToken>`' })
  accessToken: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ type: 'integer', description: 'Seconds until the token expires', example: 3600 })
  expiresIn: number;
}
