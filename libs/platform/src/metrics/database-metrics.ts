import { Counter, Gauge } from 'prom-client';

/** What the gauges read of a context's pool: node-postgres' Pool has these. */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** Why a serving connection was closed by this process rather than by the server or the network (ADR 0021). */
export type GiveUpReason = 'unanswered' | 'read_only';

const pools = new Map<string, PoolCounts>();

/** Has the gauges report `context`'s pool on its Postgres server until the returned function is called. */
export function reportDatabasePool(context: string, pool: PoolCounts): () => void {
  pools.set(context, pool);
  for (const reason of ['unanswered', 'read_only'] as const) databaseConnectionsGivenUp.inc({ context, reason }, 0);
  return () => {
    if (pools.get(context) === pool) pools.delete(context);
  };
}

new Gauge({
  name: 'db_client_connection_count',
  help: "Connections of a context's pool on its Postgres server, in use by a query or a transaction, or idle",
  labelNames: ['context', 'state'] as const,
  collect() {
    this.reset();
    for (const [context, pool] of pools) {
      this.set({ context, state: 'used' }, pool.totalCount - pool.idleCount);
      this.set({ context, state: 'idle' }, pool.idleCount);
    }
  },
});

new Gauge({
  name: 'db_client_connection_pending_requests',
  help: 'Queries and transactions of a context waiting for a connection of its pool, which is full',
  labelNames: ['context'] as const,
  collect() {
    this.reset();
    for (const [context, pool] of pools) this.set({ context }, pool.waitingCount);
  },
});

/**
 * Connections this process closed itself: one whose query nothing answered in time (a partition, a hung server), or
 * one whose server refused a write as read-only (a standby after a failover). Each is a 503 to whoever was using it.
 */
export const databaseConnectionsGivenUp = new Counter({
  name: 'db_client_connections_given_up_total',
  help: 'Connections to Postgres this process closed: unanswered past the statement timeout, or on a read-only server',
  labelNames: ['context', 'reason'] as const,
});
