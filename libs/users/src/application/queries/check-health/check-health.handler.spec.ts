import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CheckHealthHandler } from './check-health.handler';
import { CheckHealthQuery } from './check-health.query';

// How up and down are told apart, and that the cause stays out of the reply, is databaseHealth's (platform) spec.
describe('CheckHealthHandler', () => {
  it('asks the users database and answers for the users context', async () => {
    const dataSource = { query: jest.fn(async () => [{ '?column?': 1 }]) };

    await expect(new CheckHealthHandler(dataSource as unknown as DataSource).execute(new CheckHealthQuery())).resolves.toEqual({
      context: 'users',
      status: 'up',
    });
    expect(dataSource.query).toHaveBeenCalledWith('SELECT 1');
  });

  it('answers down for the users context when its database fails', async () => {
    const dataSource = { query: jest.fn(() => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:5432'))) };
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    const reply = await new CheckHealthHandler(dataSource as unknown as DataSource).execute(new CheckHealthQuery());

    expect(reply).toEqual({ context: 'users', status: 'down', details: { message: 'The users database did not answer' } });
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('ECONNREFUSED'));
    warned.mockRestore();
  });
});
