import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CheckHealthHandler } from './check-health.handler';
import { CheckHealthQuery } from './check-health.query';

describe('CheckHealthHandler', () => {
  const database = (query: () => Promise<unknown>) => ({ query: jest.fn(query) }) as unknown as DataSource;

  it('answers up when the ordering database answers', async () => {
    const dataSource = database(async () => [{ '?column?': 1 }]);
    await expect(new CheckHealthHandler(dataSource).execute(new CheckHealthQuery())).resolves.toEqual({ context: 'ordering', status: 'up' });
  });

  it('answers down with a message, without the cause, when the database fails', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const dataSource = database(async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:5432');
    });

    const reply = await new CheckHealthHandler(dataSource).execute(new CheckHealthQuery());

    expect(reply).toEqual({ context: 'ordering', status: 'down', details: { message: 'The ordering database did not answer' } });
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('ECONNREFUSED'));
    warned.mockRestore();
  });
});
