import { Logger } from '@nestjs/common';
import { ExpireOverdueReservationsCommand } from '../application/commands/expire-overdue-reservations/expire-overdue-reservations.command';
import type { ExpireOverdueReservationsHandler } from '../application/commands/expire-overdue-reservations/expire-overdue-reservations.handler';
import { ReservationExpiryScheduler } from './reservation-expiry.scheduler';

describe('ReservationExpiryScheduler', () => {
  let rounds: { resolve: (expired: number) => void }[];
  let handler: { execute: jest.Mock };
  let scheduler: ReservationExpiryScheduler | undefined;

  const schedulerOf = () => new ReservationExpiryScheduler(handler as unknown as ExpireOverdueReservationsHandler);

  beforeEach(() => {
    jest.useFakeTimers();
    rounds = [];
    handler = { execute: jest.fn(() => new Promise<number>((resolve) => rounds.push({ resolve }))) };
    scheduler = undefined;
  });

  afterEach(async () => {
    rounds.forEach((round) => round.resolve(0));
    await scheduler?.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('sweeps every five seconds from bootstrap on, never two rounds at once', async () => {
    scheduler = schedulerOf();
    scheduler.onApplicationBootstrap();

    jest.advanceTimersByTime(4999);
    expect(handler.execute).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(handler.execute).toHaveBeenCalledTimes(1);
    expect(handler.execute.mock.calls[0][0]).toBeInstanceOf(ExpireOverdueReservationsCommand);

    jest.advanceTimersByTime(20_000);
    expect(handler.execute).toHaveBeenCalledTimes(1);

    rounds[0].resolve(2);
    await jest.advanceTimersByTimeAsync(5000);
    expect(handler.execute).toHaveBeenCalledTimes(2);
  });

  it('answers a sweep asked for while a round runs once one more round has run', async () => {
    scheduler = schedulerOf();

    const first = scheduler.sweep();
    const second = scheduler.sweep();
    expect(handler.execute).toHaveBeenCalledTimes(1);
    rounds[0].resolve(0);
    await jest.advanceTimersByTimeAsync(0);
    expect(handler.execute).toHaveBeenCalledTimes(2);
    rounds[1].resolve(0);
    await Promise.all([first, second]);
  });

  it('stops at module destruction, after the running round ends', async () => {
    scheduler = schedulerOf();
    scheduler.onApplicationBootstrap();
    jest.advanceTimersByTime(5000);

    let stopped = false;
    const stopping = scheduler.onModuleDestroy().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    rounds[0].resolve(1);
    await stopping;

    jest.advanceTimersByTime(60_000);
    expect(handler.execute).toHaveBeenCalledTimes(1);
  });

  it('logs a failed round and goes on', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    handler.execute.mockRejectedValueOnce(new Error('database gone')).mockResolvedValue(0);
    scheduler = schedulerOf();

    await scheduler.sweep();
    await scheduler.sweep();

    expect(logged).toHaveBeenCalledWith(expect.stringContaining('database gone'));
    expect(handler.execute).toHaveBeenCalledTimes(2);
  });
});
