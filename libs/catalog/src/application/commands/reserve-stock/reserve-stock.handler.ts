import { Inject, Injectable } from '@nestjs/common';
import type { ReservationView } from '@tessera/contracts';
import { RESERVATION_REPOSITORY, type ReservationRepository } from '../../../domain/reservation.repository';
import { ReservationRequest } from '../../../domain/reservation-request.value-object';
import { ReservationViewMapper } from '../../reservation-view.mapper';
import { ReserveStockCommand } from './reserve-stock.command';

/**
 * catalog.reserve-stock: every line or none (INSUFFICIENT_STOCK or
 * PRODUCT_NOT_FOUND with `details.productId`), held until its expiry (now
 * plus holdSeconds, 1800 s by default), after which the expiry sweeper
 * releases it if it is still RESERVED. Idempotent by reservation id: the
 * same id answers the reservation it made, with its first expiry, and takes
 * nothing again.
 */
@Injectable()
export class ReserveStockHandler {
  constructor(@Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository) {}

  async execute(command: ReserveStockCommand): Promise<ReservationView> {
    const request = ReservationRequest.of(command.reservationId, command.lines, command.holdSeconds);
    return ReservationViewMapper.toView(await this.reservations.reserve(request));
  }
}
