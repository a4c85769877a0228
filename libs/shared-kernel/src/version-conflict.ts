import { ExponentialBackoff, handleType, retry } from 'cockatiel';
import { DomainError } from './domain-error';

/** A save that lost to another change of the same aggregate stored since it was loaded. */
export class VersionConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VersionConflictError';
  }
}

/** How many times a command loads, changes and saves before it gives up on an aggregate that keeps changing under it. */
export const VERSION_CONFLICT_ATTEMPTS = 8;

// Jitter spreads the writers that just collided, so that they do not collide again on the next attempt.
const versionConflictPolicy = retry(handleType(VersionConflictError), {
  maxAttempts: VERSION_CONFLICT_ATTEMPTS - 1,
  backoff: new ExponentialBackoff({ initialDelay: 2, maxDelay: 50 }),
});

/**
 * Runs `attempt` (load, change, save) again each time its save loses to a
 * concurrent change, so that no change is lost and every rule is checked
 * against the latest state; `attempt` must load the aggregate itself. An
 * aggregate that keeps changing ends in CONCURRENT_MODIFICATION, which the
 * caller may simply retry.
 */
export async function retryOnVersionConflict<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await versionConflictPolicy.execute(() => attempt());
  } catch (error) {
    if (error instanceof VersionConflictError) {
      throw new DomainError('CONCURRENT_MODIFICATION', 'The resource kept changing while this request was applied; try again');
    }
    throw error;
  }
}
