import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CheckHealthHandler } from './check-health.handler';
import { CheckHealthQuery } from './check-health.query';

describe('CheckHealthHandler', () => {
  function handlerOver(query: () => Promise<unknown>) {
    const dataSource = { query: jest.fn(query) };
    return { dataSource, handler: new CheckHealthHandler(dataSource as unknown as DataSource) };
  }

  it('answers up when the database answers SELECT 1', async () => {
    const { handler, dataSource } = handlerOver(async () => [{ '?column?': 1 }]);
    await expect(handler.execute(new CheckHealthQuery())).resolves.toEqual({ context: 'users', status: 'up' });
    expect(dataSource.query).toHaveBeenCalledWith('SELECT 1');
  });

  it('answers down with a message, never throwing and never echoing the driver error', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { handler } = handlerOver(async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:5432 password authentication failed for user "shop"');
    });
    const reply = await handler.execute(new CheckHealthQuery());
    expect(reply).toEqual({ context: 'users', status: 'down', details: { message: 'The users database did not answer' } });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('ECONNREFUSED'));
    warn.mockRestore();
  });
});
