import { ProcessManager } from './process-manager';

describe('ProcessManager', () => {
  const logger = () => ({ error: jest.fn() });

  it('answers what the process answers and undoes nothing when every step succeeds', async () => {
    const undo = jest.fn(async () => undefined);
    const process = new ProcessManager('order', logger());

    const result = await process.run(async () => {
      await process.step('reserve', async () => 'reserved', { undo });
      return process.step('store', async () => 'stored');
    });

    expect(result).toBe('stored');
    expect(undo).not.toHaveBeenCalled();
  });

  it('undoes the steps done, the latest first, when a later one fails, and answers that failure', async () => {
    const undone: string[] = [];
    const process = new ProcessManager('order', logger());

    const outcome = process.run(async () => {
      await process.step('first', async () => 1, { undo: async () => undone.push('first') });
      await process.step('second', async () => 2, { undo: async () => undone.push('second') });
      await process.step('third', async () => {
        throw new Error('third failed');
      });
    });

    await expect(outcome).rejects.toThrow('third failed');
    expect(undone).toEqual(['second', 'first']);
  });

  it('undoes a failed step only when its failure leaves its outcome unknown', async () => {
    const undone: string[] = [];
    const run = (failure: Error) => {
      const process = new ProcessManager('order', logger());
      return process
        .run(() =>
          process.step(
            'reserve',
            async () => {
              throw failure;
            },
            { undo: async () => undone.push(failure.message), alsoWhenFailed: (error) => (error as Error).message === 'timeout' },
          ),
        )
        .catch(() => undefined);
    };

    await run(new Error('refused'));
    await run(new Error('timeout'));

    expect(undone).toEqual(['timeout']);
  });

  it('logs an undo that fails, runs the others and still answers the first failure', async () => {
    const log = logger();
    const undone: string[] = [];
    const process = new ProcessManager('place-order 1', log);

    const outcome = process.run(async () => {
      await process.step('first', async () => 1, { undo: async () => undone.push('first') });
      await process.step('second', async () => 2, {
        undo: async () => {
          throw new Error('catalog down');
        },
      });
      throw new Error('store failed');
    });

    await expect(outcome).rejects.toThrow('store failed');
    expect(undone).toEqual(['first']);
    expect(log.error).toHaveBeenCalledWith('place-order 1: undoing "second" after "store failed" failed: catalog down');
  });
});
