/** Injection token of the Customers port. */
export const CUSTOMERS = Symbol('CUSTOMERS');

/** Whether a user may order, as ordering last heard it from users. */
export type CustomerStanding = 'active' | 'inactive';

/**
 * What ordering knows of the users who order: a read model of their standing,
 * kept in ordering's own database so that placing an order asks users
 * nothing once the user is known (ADR 0015). It learns a user from users the
 * first time the user orders, and hears every deactivation as an event
 * (`users.user.deactivated`). Users has no way back from a deactivation, so
 * an inactive standing is final: whatever arrives later, in whatever order,
 * cannot make the customer active again.
 */
export interface Customers {
  /** Records what users said of the user; an inactive customer stays inactive whatever an older answer says. */
  record(userId: string, standing: CustomerStanding): Promise<void>;
}
