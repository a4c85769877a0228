import { PeriodicRound } from './periodic-round';

describe('PeriodicRound', () => {
  afterEach(() => jest.useRealTimers());

  it('runs a round every interval once started, and none after it stopped', async () => {
    jest.useFakeTimers();
    const work = jest.fn(async () => undefined);
    const rounds = new PeriodicRound(work, () => undefined);

    rounds.start(1000);
    await jest.advanceTimersByTimeAsync(2000);
    await rounds.stop();
    await jest.advanceTimersByTimeAsync(2000);

    expect(work).toHaveBeenCalledTimes(2);
  });

  it('runs once more after the running round, however many asked meanwhile, and a stop waits for it', async () => {
    const finishers: (() => void)[] = [];
    const work = jest.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
    const rounds = new PeriodicRound(work, () => undefined);

    const first = rounds.run();
    const asked = [rounds.run(), rounds.run()];
    finishers.shift()!();
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(work).toHaveBeenCalledTimes(2);

    let stopped = false;
    const stopping = rounds.stop().then(() => (stopped = true));
    rounds.run();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    finishers.shift()!();
    await Promise.all([first, ...asked, stopping]);

    expect(work).toHaveBeenCalledTimes(2);
    expect(stopped).toBe(true);
  });

  it('hands a failed round to onFailure and runs the next one', async () => {
    const failures: unknown[] = [];
    const work = jest.fn().mockRejectedValueOnce(new Error('database went away')).mockResolvedValueOnce(undefined);
    const rounds = new PeriodicRound(work, (error) => failures.push(error));

    await expect(rounds.run()).resolves.toBeUndefined();
    await rounds.run();

    expect(failures).toEqual([new Error('database went away')]);
    expect(work).toHaveBeenCalledTimes(2);
  });
});
