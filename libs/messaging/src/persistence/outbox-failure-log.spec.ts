import { Logger } from '@nestjs/common';
import { ORDERING_EVENTS } from '@tessera/contracts';
import type { DataSource } from 'typeorm';
import type { IntegrationEventPublisher } from '../integration-event.publisher';
import { untilPasses } from '../../../../test/harness/eventually';
import { AtomicStatement } from './atomic-statement';
import { Outbox } from './outbox';

describe('the log of an outbox whose database is away', () => {
  const lines: { level: string; message: string }[] = [];

  beforeAll(() =>
    Logger.overrideLogger({
      log: (message: string) => lines.push({ level: 'log', message }),
      warn: (message: string) => lines.push({ level: 'warn', message }),
      error: (message: string) => lines.push({ level: 'error', message }),
      debug: () => undefined,
      verbose: () => undefined,
    }),
  );
  afterAll(() => Logger.overrideLogger(false));

  it('says once that committed events are left to the relay, however many fail the same way, and when they go through again', async () => {
    let databaseAway = true;
    const query = async () => {
      if (databaseAway) throw new Error('sorry, too many clients already');
      return { rows: [] };
    };
    // What the outbox reaches of a DataSource: its statements go to the driver's pool, as prepared ones.
    const dataSource = { options: {}, driver: { master: { query } }, query: async () => (await query()).rows } as unknown as DataSource;
    const published: unknown[] = [];
    const publisher = { publish: async (_pattern: string, payload: unknown) => void published.push(payload) } as unknown as IntegrationEventPublisher;
    const outbox = new Outbox('probe', dataSource, publisher);
    const commit = (n: number) => {
      const statement = new AtomicStatement();
      outbox.addTo(statement, ORDERING_EVENTS.ORDER_CANCELLED, { n });
      outbox.flush(statement);
    };

    for (let n = 0; n < 20; n++) commit(n);
    await untilPasses(() => {
      expect(published).toHaveLength(20);
      expect(lines.length).toBeGreaterThan(0);
    });
    databaseAway = false;
    commit(20);
    await untilPasses(() => expect(lines.map(({ level }) => level)).toContain('log'));

    expect(lines).toEqual([
      { level: 'warn', message: 'Publishing committed events failed (left to the relay): sorry, too many clients already' },
      { level: 'log', message: expect.stringMatching(/^Publishing committed events works again, after \d+ failures? over \d+ s$/) },
    ]);
  });
});
