import type { ContextName } from './context-name';

/**
 * Which contexts consume each integration event. A broker routes events by
 * itself; over TCP, which has none, the publisher sends each event to these.
 * A context that starts consuming an event adds itself here.
 */
export const EVENT_SUBSCRIBERS: Readonly<Record<string, readonly ContextName[]>> = {
  'ordering.order.confirmed': ['catalog'],
  'ordering.order.cancelled': ['catalog', 'payments'],
  'payments.payment.succeeded': ['ordering'],
  'catalog.reservation.expired': ['ordering'],
};
