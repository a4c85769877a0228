import type { Requester, UserRole } from '@tessera/contracts';
import type { FastifyRequest } from 'fastify';

/** The user a verified, unrevoked access token belongs to. */
export interface AuthenticatedUser {
  id: string;
  role: UserRole;
}

export type AuthenticatedRequest = FastifyRequest & { user?: AuthenticatedUser };

/** Who asks, as the contexts want it: they answer NOT_FOUND for another user's resource unless an admin asks. */
export function requesterOf(user: AuthenticatedUser): Requester {
  return { userId: user.id, isAdmin: user.role === 'admin' };
}
