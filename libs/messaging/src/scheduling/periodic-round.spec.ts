import { PeriodicRound } from './periodic-round';

const IGNORED_OUTCOMES = { failed: () => undefined, succeeded: () => undefined };

describe('PeriodicRound', () => {
  afterEach(() => jest.useRealTimers());

  it('runs a round every interval once started, and none after it stopped', async () => {
    jest.useFakeTimers();
    const work = jest.fn(async () => undefined);
    const rounds = new PeriodicRound(work, IGNORED_OUTCOMES);

    rounds.start(1000);
    await jest.advanceTimersByTimeAsync(2000);
    await rounds.stop();
    await jest.advanceTimersByTimeAsync(2000);

    expect(work).toHaveBeenCalledTimes(2);
  });

  it('runs once more after the running round, however many asked meanwhile, and a stop waits for it', async () => {
    const finishers: (() => void)[] = [];
    const work = jest.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
    const rounds = new PeriodicRound(work, IGNORED_OUTCOMES);

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

  it('tells each round how it ended, and runs the next one after a failure', async () => {
    const outcomes: unknown[] = [];
    const work = jest.fn().mockRejectedValueOnce(new Error('database went away')).mockResolvedValueOnce(undefined);
    const rounds = new PeriodicRound(work, { failed: (error) => outcomes.push(error), succeeded: () => outcomes.push('succeeded') });

    await expect(rounds.run()).resolves.toBeUndefined();
    await rounds.run();

    expect(outcomes).toEqual([new Error('database went away'), 'succeeded']);
    expect(work).toHaveBeenCalledTimes(2);
  });
});
