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

  it('joins a round asked for while one runs, and a stop waits for it', async () => {
    let finish!: () => void;
    const work = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const rounds = new PeriodicRound(work, () => undefined);
    let stopped = false;

    const first = rounds.run();
    const second = rounds.run();
    const stopping = rounds.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish();
    await Promise.all([first, second, stopping]);

    expect(work).toHaveBeenCalledTimes(1);
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
