import { Logger } from '@nestjs/common';
import type { ExpireDueOrdersHandler } from '../application/commands/expire-due-orders/expire-due-orders.handler';
import { OrderingSettings } from '../application/ordering.settings';
import { runtimeSettingsOf } from '../application/testing/ordering-test-kit';
import { OrderExpiryScheduler } from './order-expiry.scheduler';

describe('OrderExpiryScheduler', () => {
  let rounds: { resolve: (expired: number) => void }[];
  let scheduler: OrderExpiryScheduler;

  const schedulerWith = (timeoutSeconds: number) => {
    const handler = {
      execute: jest.fn(() => new Promise<number>((resolve) => rounds.push({ resolve }))),
    };
    return {
      handler,
      scheduler: new OrderExpiryScheduler(
        handler as unknown as ExpireDueOrdersHandler,
        new OrderingSettings(runtimeSettingsOf({ ORDER_PAYMENT_TIMEOUT_SECONDS: timeoutSeconds })),
      ),
    };
  };

  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    rounds = [];
  });

  afterEach(async () => {
    rounds.forEach((round) => round.resolve(0));
    await scheduler?.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('sweeps every two seconds from bootstrap on, never two rounds at once', async () => {
    const built = schedulerWith(900);
    scheduler = built.scheduler;
    scheduler.onApplicationBootstrap();

    jest.advanceTimersByTime(1999);
    expect(built.handler.execute).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(built.handler.execute).toHaveBeenCalledTimes(1);

    jest.advanceTimersByTime(4000);
    expect(built.handler.execute).toHaveBeenCalledTimes(1);

    rounds[0].resolve(0);
    await Promise.resolve();
    await jest.advanceTimersByTimeAsync(2000);
    expect(built.handler.execute).toHaveBeenCalledTimes(2);
  });

  it('sweeps more often when orders expire within seconds', () => {
    scheduler = schedulerWith(1).scheduler;
    expect(scheduler.intervalMs).toBe(500);
  });

  it('stops at module destruction, after the running round ends', async () => {
    const built = schedulerWith(900);
    scheduler = built.scheduler;
    scheduler.onApplicationBootstrap();
    jest.advanceTimersByTime(2000);

    let stopped = false;
    const stopping = scheduler.onModuleDestroy().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    rounds[0].resolve(3);
    await stopping;

    jest.advanceTimersByTime(10_000);
    expect(built.handler.execute).toHaveBeenCalledTimes(1);
  });

  it('logs a failed round and goes on', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const handler = { execute: jest.fn().mockRejectedValueOnce(new Error('database gone')).mockResolvedValue(0) };
    scheduler = new OrderExpiryScheduler(handler as unknown as ExpireDueOrdersHandler, new OrderingSettings(runtimeSettingsOf({})));

    await scheduler.sweep();
    await scheduler.sweep();

    expect(logged).toHaveBeenCalledWith('An expiry round failed: database gone');
    expect(handler.execute).toHaveBeenCalledTimes(2);
  });
});
