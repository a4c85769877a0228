import type { DataSource } from 'typeorm';
import { databaseHealth } from './database-health';

describe('databaseHealth', () => {
  const database = (query: () => Promise<unknown>) => ({ query: jest.fn(query) }) as unknown as DataSource;
  const logger = () => ({ warn: jest.fn() });

  it('answers up, naming the context, when its database answers SELECT 1', async () => {
    const dataSource = database(async () => [{ '?column?': 1 }]);
    const log = logger();

    await expect(databaseHealth('catalog', dataSource, log)).resolves.toEqual({ context: 'catalog', status: 'up' });
    expect(dataSource.query).toHaveBeenCalledWith('SELECT 1');
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('answers down with a message, never throwing and never echoing the driver error, which goes to the log', async () => {
    const log = logger();
    const dataSource = database(async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:5432 password authentication failed for user "shop"');
    });

    const reply = await databaseHealth('payments', dataSource, log);

    expect(reply).toEqual({ context: 'payments', status: 'down', details: { message: 'The payments database did not answer' } });
    expect(JSON.stringify(reply)).not.toMatch(/ECONNREFUSED|password|shop/);
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('ECONNREFUSED'));
  });

  it('answers down when the driver throws something that is not an Error', async () => {
    const log = logger();
    const dataSource = database(() => Promise.reject('socket hang up'));

    await expect(databaseHealth('users', dataSource, log)).resolves.toEqual({
      context: 'users',
      status: 'down',
      details: { message: 'The users database did not answer' },
    });
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('socket hang up'));
  });
});
