import type { UserRole } from '@tessera/contracts';
import type { FastifyRequest } from 'fastify';

/** The user a verified, unrevoked access token belongs to. */
export interface AuthenticatedUser {
  id: string;
  role: UserRole;
}

export type AuthenticatedRequest = FastifyRequest & { user?: AuthenticatedUser };
