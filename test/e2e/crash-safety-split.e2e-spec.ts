import { randomUUID } from 'node:crypto';
import { Api } from '../harness/http';
import { orderFlowViolationsAtRest, ordersNoKeyAnswered, readPostgres } from '../harness/order-invariants';
import { orderLoad } from '../harness/order-load';
import { createTestDatabase } from '../harness/postgres';
import { waitForStatus } from '../harness/processes';
import { CRASH_TEST_OUTBOX_LEASE, describeWith, RunningTopology, type Service, type SplitTransport, startSplit, TEST_ADMIN } from '../harness/topologies';

const PAYMENT_TIMEOUT_SECONDS = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The contexts the order flow crosses, each killed twice, in an order drawn anew by every run. */
const VICTIMS = ['ordering', 'catalog', 'payments'] as const;
const killOrder = () =>
  [...VICTIMS, ...VICTIMS]
    .map((victim) => ({ victim, draw: Math.random() }))
    .sort((a, b) => a.draw - b.draw)
    .map(({ victim }) => victim);

const SPLITS: { transport: SplitTransport; services: Service[] }[] = [
  { transport: 'tcp', services: ['postgres'] },
  { transport: 'nats', services: ['postgres', 'nats'] },
  { transport: 'rmq', services: ['postgres', 'rmq'] },
];

for (const { transport, services } of SPLITS) {
  describeWith(services)(`the order flow on the ${transport} split, its contexts killed at random under load`, () => {
    let topology: RunningTopology;
    // Catalog, ordering and payments keep their data in one database the test reads, as in the monolith.
    let ledger: { url: string; drop: () => Promise<void> };

    beforeEach(async () => {
      ledger = await createTestDatabase();
      topology = await startSplit('postgres', transport, {
        env: {
          ORDER_PAYMENT_TIMEOUT_SECONDS: String(PAYMENT_TIMEOUT_SECONDS),
          REQUEST_TIMEOUT_MS: '2000',
          CATALOG_DATABASE_URL: ledger.url,
          ORDERING_DATABASE_URL: ledger.url,
          PAYMENTS_DATABASE_URL: ledger.url,
          ...CRASH_TEST_OUTBOX_LEASE,
        },
      });
    }, 120_000);

    afterEach(async () => {
      await topology?.stop();
      await ledger?.drop();
    }, 60_000);

    it('ordering, catalog and payments killed twice each: stock conserved, one order per key, one charge per confirmed order, no payment left pending', async () => {
      const api = await new Api(topology.baseUrl).holdingToOpenApi();
      const adminToken = (await api.post('/auth/login', TEST_ADMIN)).body.accessToken;
      const buyers: string[] = [];
      for (let n = 0; n < 3; n++) {
        const email = `split-crash-${randomUUID().slice(0, 8)}@example.com`;
        expect((await api.post('/auth/register', { email, password: 'correct horse battery', name: 'Crash' })).status).toBe(201);
        buyers.push((await api.post('/auth/login', { email, password: 'correct horse battery' })).body.accessToken);
      }
      const initialStock = new Map<string, number>();
      for (let n = 0; n < 4; n++) {
        const sku = `SPLIT-${randomUUID().slice(0, 8)}`;
        const created = await api.post('/products', { sku, name: `Split ${sku}`, price: { amount: 900, currency: 'USD' }, stock: 40 }, { token: adminToken });
        expect(created.status).toBe(201);
        initialStock.set(created.body.id, 40);
      }
      const products = [...initialStock.keys()];

      const load = orderLoad(api, buyers, products);
      for (const victim of killOrder()) {
        await sleep(500 + Math.floor(Math.random() * 1500));
        await topology.processes[victim].stop('SIGKILL');
        topology.processes[victim] = topology.processes[victim].restart();
        await waitForStatus(`http://127.0.0.1:${topology.processes[victim].port}/health/ready`, 200, [topology.processes[victim]]);
      }
      const ordersOfKeys = await load.stop();

      for (const [key, orders] of ordersOfKeys) expect({ key, orders: orders.size }).toEqual({ key, orders: 1 });
      expect(ordersOfKeys.size).toBeGreaterThan(0);
      // Unpaid orders expire after the payment timeout, and payments a killed request left pending are settled by the sweeper; then the flow comes to rest.
      await sleep(PAYMENT_TIMEOUT_SECONDS * 1000);
      expect(await orderFlowViolationsAtRest(() => readPostgres(ledger.url), initialStock)).toEqual([]);
      expect(ordersNoKeyAnswered(await readPostgres(ledger.url), products, ordersOfKeys)).toEqual([]);
    }, 420_000);
  });
}
