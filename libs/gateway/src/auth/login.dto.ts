import { ApiProperty } from '@nestjs/swagger';
import type { VerifyCredentialsRequest } from '@tessera/contracts';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/**
 * POST /auth/login. Neither field is checked for form here: an address or a
 * password that could never have registered (a password with control
 * characters, say) fails like any other wrong credentials, with 401.
 */
export class LoginDto implements VerifyCredentialsRequest {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email: string;

  @ApiProperty({ format: 'password', maxLength: 128, example: 'correct horse battery' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  password: string;
}
