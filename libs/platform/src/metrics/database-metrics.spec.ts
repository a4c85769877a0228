import { register } from 'prom-client';
import { databaseConnectionsGivenUp, reportDatabasePool } from './database-metrics';

/** The value of the one sample of `name` with exactly these labels, as a scrape reads it. */
async function sampleOf(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await register.getSingleMetric(name)?.get();
  return metric?.values.find(
    (value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label) && Object.keys(value.labels).length === Object.keys(labels).length,
  )?.value;
}

describe('the database pool metrics', () => {
  it("report a context's pool as it is at each scrape: connections used and idle, and queries waiting for one", async () => {
    const pool = { totalCount: 10, idleCount: 0, waitingCount: 4 };
    const stop = reportDatabasePool('catalog', pool);
    try {
      expect(await sampleOf('db_client_connection_count', { context: 'catalog', state: 'used' })).toBe(10);
      expect(await sampleOf('db_client_connection_count', { context: 'catalog', state: 'idle' })).toBe(0);
      expect(await sampleOf('db_client_connection_pending_requests', { context: 'catalog' })).toBe(4);

      Object.assign(pool, { totalCount: 3, idleCount: 2, waitingCount: 0 });
      expect(await sampleOf('db_client_connection_count', { context: 'catalog', state: 'used' })).toBe(1);
      expect(await sampleOf('db_client_connection_pending_requests', { context: 'catalog' })).toBe(0);
    } finally {
      stop();
    }
    expect(await sampleOf('db_client_connection_count', { context: 'catalog', state: 'used' })).toBeUndefined();
  });

  it('count the connections given up from 0, by reason, once the pool is reported', async () => {
    const stop = reportDatabasePool('ordering', { totalCount: 0, idleCount: 0, waitingCount: 0 });
    try {
      expect(await sampleOf('db_client_connections_given_up_total', { context: 'ordering', reason: 'read_only' })).toBe(0);
      databaseConnectionsGivenUp.inc({ context: 'ordering', reason: 'unanswered' });
      expect(await sampleOf('db_client_connections_given_up_total', { context: 'ordering', reason: 'unanswered' })).toBe(1);
    } finally {
      stop();
    }
  });
});
