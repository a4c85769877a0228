import { Injectable } from '@nestjs/common';
import type { OrderCancelledEvent } from '@tessera/contracts';
import { Inbox, Outbox } from '@tessera/messaging';
import { ReleaseReservationCommand } from '../../commands/release-reservation/release-reservation.command';
import { ReleaseReservationHandler } from '../../commands/release-reservation/release-reservation.handler';
import { CATALOG_INBOX_CONSUMER } from '../catalog-inbox.consumer';

/**
 * ordering.order.cancelled: the units reserved (or sold, for a refunded
 * order) under the order's id go back to stock. The recovery path of the
 * synchronous release: usually finds it released already. A redelivery is
 * dropped by the inbox, and would return nothing again anyway.
 */
@Injectable()
export class OnOrderCancelledHandler {
  constructor(
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
    private readonly releaseReservation: ReleaseReservationHandler,
  ) {}

  async execute(event: OrderCancelledEvent): Promise<void> {
    const committed = await this.inbox.processOnce(event, CATALOG_INBOX_CONSUMER, async (manager) => {
      await this.releaseReservation.execute(new ReleaseReservationCommand(event.orderId), manager);
    });
    if (committed) this.outbox.flush(committed);
  }
}
