import { UserVersionConflictError } from '../domain/user.repository';

/**
 * Runs a read-change-save attempt, and once more if another writer saved the
 * same user in between. Safe because each attempt reads the user afresh and
 * re-applies the request's intent to what is stored now, so no write is lost.
 * A second conflict in a row is left to surface as an unexpected failure.
 */
export async function retryOnVersionConflict<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof UserVersionConflictError)) throw error;
    return attempt();
  }
}
