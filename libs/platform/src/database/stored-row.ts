import { DomainError } from '@tessera/shared-kernel';

/**
 * A stored row that the domain refuses: the database holds what no write of this version makes, edited by hand or
 * written by a version whose rules allowed more. The fault is the server's, not the caller's.
 */
export class StoredRowRefused extends Error {
  constructor(row: string, refusal: DomainError) {
    super(`${row} holds what the domain refuses (${refusal.message}): correct the row, or run the version that wrote it`, { cause: refusal });
    this.name = 'StoredRowRefused';
  }
}

/**
 * Builds a domain object from the stored row named `row` (`<schema>.<table> <id>`). A domain rule the row breaks
 * becomes StoredRowRefused, which answers 500 and is logged as an error with the row named, where the rule's own
 * error would have answered the caller 400 VALIDATION_FAILED, as if the request were wrong, and told the operator
 * nothing.
 */
export function fromStoredRow<T>(row: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof DomainError) throw new StoredRowRefused(row, error);
    throw error;
  }
}
