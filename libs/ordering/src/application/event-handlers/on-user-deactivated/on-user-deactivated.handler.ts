import { Inject, Injectable, Logger } from '@nestjs/common';
import type { UserDeactivatedEvent } from '@tessera/contracts';
import { isUuid } from '../../../domain/order-id';
import { CUSTOMERS, type Customers } from '../../customers';

/**
 * users.user.deactivated: the user may order no more, from their next order
 * on (ADR 0015). Needs no inbox: recording a deactivation twice is recording
 * it once, and a row once inactive stays so, whatever arrives after. A user
 * ordering hasn't met yet is recorded too, so that their first order asks
 * users nothing.
 */
@Injectable()
export class OnUserDeactivatedHandler {
  private readonly logger = new Logger('Ordering');

  constructor(@Inject(CUSTOMERS) private readonly customers: Customers) {}

  async execute(event: UserDeactivatedEvent): Promise<void> {
    if (!isUuid(event?.userId)) {
      this.logger.warn(`Ignored a users.user.deactivated event without a usable userId (event ${event?.eventId})`);
      return;
    }
    await this.customers.record(event.userId.toLowerCase(), 'inactive');
  }
}
