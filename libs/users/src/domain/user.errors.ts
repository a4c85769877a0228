import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';

/** Another account already uses this email (compared case-insensitively). */
export class EmailTakenError extends DomainError {
  constructor() {
    super(ERROR_CODES.EMAIL_TAKEN, 'An account with this email already exists');
  }
}

/** No user has this id, or the id is not a user id at all. */
export class UserNotFoundError extends DomainError {
  constructor() {
    super(ERROR_CODES.USER_NOT_FOUND, 'No user has this id');
  }
}

/** Unknown email, wrong password or inactive user: deliberately one error, so none can be told apart. */
export class InvalidCredentialsError extends DomainError {
  constructor() {
    super(ERROR_CODES.INVALID_CREDENTIALS, 'The email or password is not correct');
  }
}
