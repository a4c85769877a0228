/** Requests the users context answers. */
export const USERS_PATTERNS = {
  REGISTER_USER: 'users.register-user',
  VERIFY_CREDENTIALS: 'users.verify-credentials',
  GET_USER: 'users.get-user',
  LIST_USERS: 'users.list-users',
  UPDATE_PROFILE: 'users.update-profile',
  DEACTIVATE_USER: 'users.deactivate-user',
  CHECK_HEALTH: 'users.check-health',
} as const;

/** The users requests that only read, so repeating one is safe: a client may retry them. */
export const USERS_QUERY_PATTERNS: readonly string[] = [
  USERS_PATTERNS.VERIFY_CREDENTIALS,
  USERS_PATTERNS.GET_USER,
  USERS_PATTERNS.LIST_USERS,
  USERS_PATTERNS.CHECK_HEALTH,
];

/** Integration events the users context publishes. */
export const USERS_EVENTS = {
  USER_REGISTERED: 'users.user.registered',
  USER_EMAIL_CHANGED: 'users.user.email-changed',
  USER_DEACTIVATED: 'users.user.deactivated',
} as const;
