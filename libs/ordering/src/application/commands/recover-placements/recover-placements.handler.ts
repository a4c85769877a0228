import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../clock';
import { OrderPlacementSteps } from '../../order-placement-steps';
import { ORDER_PLACEMENT_REPOSITORY, type OrderPlacement, type OrderPlacementRepository } from '../../order-placements';
import { OrderingSettings } from '../../ordering.settings';
import { messageOf } from '../../remote-errors';
import { StockReservations } from '../../stock-reservations';
import { RecoverPlacementsCommand } from './recover-placements.command';

/**
 * Finishes the placements whose requests died (a crash, a lost connection)
 * or could not undo what they started (ADR 0005). A PLACING one goes forward
 * as the request would have: the catalog is asked again under the same id,
 * so it answers the reservation the request made, or makes it; the order is
 * stored and the key answered. One whose time to pay is over by now is given
 * up instead: nobody is left to pay it. A COMPENSATING one has its stock
 * released and is forgotten. Safe with several instances: each placement is
 * leased to one of them for as long as its work can take (and longer after
 * each failed attempt), and every step is conditional on its stage. Answers
 * how many placements this round ended.
 */
@Injectable()
export class RecoverPlacementsHandler {
  private readonly logger = new Logger('Ordering');

  constructor(
    @Inject(ORDER_PLACEMENT_REPOSITORY) private readonly placements: OrderPlacementRepository,
    private readonly steps: OrderPlacementSteps,
    private readonly settings: OrderingSettings,
    private readonly clock: Clock,
  ) {}

  async execute(command: RecoverPlacementsCommand): Promise<number> {
    let ended = 0;
    for (let taken = 0; taken < command.limit; taken++) {
      // Taken one at a time, just before its work: a lease taken for a whole round would run out while the placements
      // before it were worked on, and another instance would take it up at the same time as this one.
      const placement = await this.placements.takeNextDue(this.clock.now(), this.settings.placementRecoveryLeaseMs);
      if (!placement) break;
      // One placement that cannot be finished now must not hold up the others; its lease runs out and it comes back.
      if (await this.recover(placement)) ended++;
    }
    return ended;
  }

  private async recover(placement: OrderPlacement): Promise<boolean> {
    const { orderId } = placement;
    try {
      if (placement.stage === 'COMPENSATING') {
        await this.steps.releaseAndAbandon(orderId);
        this.logger.warn(`Recovered placement of order ${orderId}: its stock is released`);
        return true;
      }
      const payableUntil = placement.createdAt.getTime() + this.steps.paymentTimeoutOf(placement) * 1000;
      if (this.clock.now().getTime() >= payableUntil) {
        await this.steps.giveUp(placement, new Error('its time to pay is over'));
        this.logger.warn(`Recovered placement of order ${orderId}: too late to pay, so not placed; its stock is released`);
        return true;
      }
      await this.steps.carryOut(placement);
      this.logger.warn(`Recovered placement of order ${orderId}: the order is placed`);
      return true;
    } catch (error) {
      if (StockReservations.reservedNothing(error)) {
        this.logger.warn(`Recovered placement of order ${orderId}: refused (${messageOf(error)})`);
        return true;
      }
      this.logger.warn(`Placement of order ${orderId} is still unfinished, to be tried again: ${messageOf(error)}`);
      return false;
    }
  }
}
