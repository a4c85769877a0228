import { ExponentialBackoff, handleType, retry } from 'cockatiel';
import { ProductVersionConflictError } from '../domain/product.repository';

/** How many times a command loads, changes and saves a product before it gives up on a product that keeps changing under it. */
export const VERSION_CONFLICT_ATTEMPTS = 8;

// Jitter spreads the writers that just collided, so that they do not collide again on the next attempt.
const versionConflictPolicy = retry(handleType(ProductVersionConflictError), {
  maxAttempts: VERSION_CONFLICT_ATTEMPTS - 1,
  backoff: new ExponentialBackoff({ initialDelay: 2, maxDelay: 50 }),
});

/**
 * Runs `attempt` (load, change, save) again each time its save loses to a
 * concurrent change, so that no change is lost and every rule is checked
 * against the latest state. `attempt` must load the product itself.
 */
export function retryOnVersionConflict<T>(attempt: () => Promise<T>): Promise<T> {
  return versionConflictPolicy.execute(() => attempt());
}
