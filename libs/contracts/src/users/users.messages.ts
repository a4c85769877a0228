import type { PageRequest } from '../common/page';

export type UserRole = 'customer' | 'admin';
export type UserStatus = 'active' | 'inactive';

/** A user as every other context sees it; never a password or hash. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  status: UserStatus;
  createdAt: string;
}

/** users.register-user (v1): a new customer account. */
export interface RegisterUserRequest {
  email: string;
  password: string;
  name: string;
}

/** users.verify-credentials (v1): answers the user, or INVALID_CREDENTIALS alike for every failure. */
export interface VerifyCredentialsRequest {
  email: string;
  password: string;
}

/** users.get-user (v1). */
export interface GetUserRequest {
  userId: string;
}

/** users.list-users (v1). */
export type ListUsersRequest = PageRequest;

/** users.update-profile (v1): only the fields present change. */
export interface UpdateProfileRequest {
  userId: string;
  name?: string;
  email?: string;
}

/** users.deactivate-user (v1). */
export interface DeactivateUserRequest {
  userId: string;
}
