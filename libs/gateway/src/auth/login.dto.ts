import { ApiProperty } from '@nestjs/swagger';
import type { VerifyCredentialsRequest } from '@tessera/contracts';
import { IsString } from 'class-validator';
import { TextLength } from '../common/validation.decorators';

/**
 * POST /auth/login. The fields are checked as any body is, not against the
 * registration rules: a missing or non-string field, one over its length, or
 * a lone surrogate (json-body-inspection.ts) is 400 VALIDATION_FAILED, so a
 * password over 128 characters is too. Within that, an address of the wrong
 * form or a password that could never have registered (under 8 characters,
 * with control characters) is left to the users context, and answers 401
 * INVALID_CREDENTIALS like any other wrong credentials.
 */
export class LoginDto implements VerifyCredentialsRequest {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsString()
  @TextLength(1, 254)
  email: string;

  @ApiProperty({ format: 'password', maxLength: 128, example: 'correct horse battery' })
  @IsString()
  @TextLength(1, 128)
  password: string;
}
