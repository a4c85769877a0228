import { CATALOG_EVENTS } from '../catalog/catalog.patterns';
import { ORDERING_EVENTS } from '../ordering/ordering.patterns';
import { PAYMENTS_EVENTS } from '../payments/payments.patterns';
import { USERS_EVENTS } from '../users/users.patterns';
import type { EventConsumer } from './context-name';

/**
 * Who consumes each integration event, the gateway included. Routes on every
 * transport come from here: a broker's queues and bindings, and over TCP, which
 * has no broker, the processes the publisher sends each event to. A consumer
 * that starts handling an event adds itself here.
 */
export const EVENT_SUBSCRIBERS: Readonly<Record<string, readonly EventConsumer[]>> = {
  [ORDERING_EVENTS.ORDER_CONFIRMED]: ['catalog'],
  [ORDERING_EVENTS.ORDER_CANCELLED]: ['catalog', 'payments'],
  [PAYMENTS_EVENTS.PAYMENT_SUCCEEDED]: ['ordering'],
  [CATALOG_EVENTS.RESERVATION_EXPIRED]: ['ordering', 'gateway'],
  [CATALOG_EVENTS.RESERVATION_RELEASED]: ['gateway'],
  [CATALOG_EVENTS.PRODUCT_UPDATED]: ['gateway'],
  [CATALOG_EVENTS.STOCK_ADJUSTED]: ['gateway'],
  [USERS_EVENTS.USER_DEACTIVATED]: ['ordering', 'gateway'],
};
