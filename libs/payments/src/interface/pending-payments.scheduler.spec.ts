import { Logger } from '@nestjs/common';
import { RuntimeSettings } from '@tessera/platform';
import type { ResolvePendingPaymentsHandler } from '../application/commands/resolve-pending-payments/resolve-pending-payments.handler';
import { PENDING_PAYMENTS_SWEEP, PendingPaymentsScheduler } from './pending-payments.scheduler';

describe('PendingPaymentsScheduler', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  function sweeperWith(execute: jest.Mock) {
    return new PendingPaymentsScheduler({ execute } as unknown as ResolvePendingPaymentsHandler, RuntimeSettings.fromEnvironment({}));
  }

  it('sweeps payments pending for longer than three request timeouts every interval once the application runs, and stops with the module', async () => {
    jest.useFakeTimers();
    const execute = jest.fn(async () => ({ settled: 0, stillPending: 0 }));
    const sweeper = sweeperWith(execute);

    sweeper.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(sweeper.intervalMs * 2);
    await sweeper.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(sweeper.intervalMs * 2);

    expect(execute).toHaveBeenCalledTimes(2);
    expect(execute).toHaveBeenCalledWith(expect.objectContaining({ staleAfterMs: 15_000, limit: PENDING_PAYMENTS_SWEEP.batchSize }));
  });

  it('takes its bound from REQUEST_TIMEOUT_MS', () => {
    const sweeper = new PendingPaymentsScheduler(
      { execute: jest.fn() } as unknown as ResolvePendingPaymentsHandler,
      RuntimeSettings.fromEnvironment({ REQUEST_TIMEOUT_MS: '2000' }),
    );
    expect(sweeper.staleAfterMs).toBe(6000);
    expect(sweeper.intervalMs).toBe(3000);
  });

  it('follows REQUEST_TIMEOUT_MS as the runtime settings change it, so a raised timeout leaves live requests their payments', () => {
    let requestTimeoutMs = 2000;
    const runtime = { get: (name: string) => (name === 'REQUEST_TIMEOUT_MS' ? requestTimeoutMs : undefined) } as unknown as RuntimeSettings;
    const sweeper = new PendingPaymentsScheduler({ execute: jest.fn() } as unknown as ResolvePendingPaymentsHandler, runtime);
    expect(sweeper.staleAfterMs).toBe(6000);

    requestTimeoutMs = 20_000;

    expect(sweeper.staleAfterMs).toBe(60_000);
  });

  it('runs one sweep at a time, and one more for the sweeps asked meanwhile', async () => {
    const finishers: (() => void)[] = [];
    const execute = jest.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
    const sweeper = sweeperWith(execute);

    const sweeps = [sweeper.sweep(), sweeper.sweep(), sweeper.sweep()];
    expect(execute).toHaveBeenCalledTimes(1);
    finishers.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(execute).toHaveBeenCalledTimes(2);
    finishers.shift()!();
    await Promise.all(sweeps);

    expect(execute).toHaveBeenCalledTimes(2);
  });

  it('logs a failed sweep instead of throwing, and sweeps again next time', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const execute = jest.fn().mockRejectedValueOnce(new Error('database restarting')).mockResolvedValueOnce({ settled: 1, stillPending: 0 });
    const sweeper = sweeperWith(execute);

    await expect(sweeper.sweep()).resolves.toBeUndefined();
    await sweeper.sweep();

    expect(warned).toHaveBeenCalledWith(expect.stringContaining('database restarting'));
    expect(execute).toHaveBeenCalledTimes(2);
  });

  it('waits for a running sweep before the module goes', async () => {
    let finish!: () => void;
    const sweeper = sweeperWith(jest.fn(() => new Promise<void>((resolve) => (finish = resolve))));
    let destroyed = false;

    void sweeper.sweep();
    const destroying = sweeper.onModuleDestroy().then(() => (destroyed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(destroyed).toBe(false);
    finish();
    await destroying;

    expect(destroyed).toBe(true);
  });
});
