/** Who asks, so that a context can answer NOT_FOUND for another user's resource. */
export interface Requester {
  userId: string;
  isAdmin: boolean;
}
