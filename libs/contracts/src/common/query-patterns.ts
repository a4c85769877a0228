import { CATALOG_QUERY_PATTERNS } from '../catalog/catalog.patterns';
import { ORDERING_QUERY_PATTERNS } from '../ordering/ordering.patterns';
import { PAYMENTS_QUERY_PATTERNS } from '../payments/payments.patterns';
import { USERS_QUERY_PATTERNS } from '../users/users.patterns';
import { DEAD_LETTER_PATTERNS } from './dead-letters';

/**
 * Every request pattern that only reads, whichever context answers it: the
 * requests a client may repeat after a failure, because running one twice
 * changes nothing. Any pattern not listed is a command and is sent once.
 */
export const QUERY_PATTERNS: ReadonlySet<string> = new Set([
  ...USERS_QUERY_PATTERNS,
  ...CATALOG_QUERY_PATTERNS,
  ...ORDERING_QUERY_PATTERNS,
  ...PAYMENTS_QUERY_PATTERNS,
  ...Object.values(DEAD_LETTER_PATTERNS).map((patterns) => patterns.LIST),
]);
