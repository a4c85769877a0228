import { describeWith, RunningTopology, startSplit } from '../harness/topologies';
import { describeApi } from './api.suite';

/** The catalog requests a process's debug log says it answered, health checks left out (each process also checks itself). */
function catalogRequestsIn(log: string): string[] {
  return [...log.matchAll(/"msg":"message (catalog\.[a-z-]+) handled"/g)].map((match) => match[1]).filter((pattern) => pattern !== 'catalog.check-health');
}

describeWith(['postgres', 'nats'])('the NATS split with two catalog processes sharing its database, on Postgres', () => {
  let topology: RunningTopology;

  // Debug logs name every message a process handled, which is how the test sees who served what.
  describeApi(async () => (topology = await startSplit('postgres', 'nats', { replicas: { catalog: 2 }, env: { LOG_LEVEL: 'debug' } })));

  it('has both catalog processes answer catalog requests', () => {
    const first = catalogRequestsIn(topology.processes.catalog.output());
    const second = catalogRequestsIn(topology.processes['catalog-2'].output());
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
  });
});
