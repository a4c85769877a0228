import { CATALOG_EVENTS } from '../catalog/catalog.patterns';
import { ORDERING_EVENTS } from '../ordering/ordering.patterns';
import { PAYMENTS_EVENTS } from '../payments/payments.patterns';
import type { ContextName } from './context-name';

/**
 * Which contexts consume each integration event. A broker routes events by
 * itself; over TCP, which has none, the publisher sends each event to these.
 * A context that starts consuming an event adds itself here.
 */
export const EVENT_SUBSCRIBERS: Readonly<Record<string, readonly ContextName[]>> = {
  [ORDERING_EVENTS.ORDER_CONFIRMED]: ['catalog'],
  [ORDERING_EVENTS.ORDER_CANCELLED]: ['catalog', 'payments'],
  [PAYMENTS_EVENTS.PAYMENT_SUCCEEDED]: ['ordering'],
  [CATALOG_EVENTS.RESERVATION_EXPIRED]: ['ordering'],
};
