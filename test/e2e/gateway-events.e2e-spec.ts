import { randomUUID } from 'node:crypto';
import { Api, ApiResponse } from '../harness/http';
import { describeWith, RunningTopology, SplitTransport, startSplit, TEST_ADMIN } from '../harness/topologies';

/**
 * The gateway consumes events too: each gateway process keeps user statuses
 * in memory for 60 s, and `users.user.deactivated` must reach every one of
 * them, not only the process that served the deactivation.
 */
const splits: [string, SplitTransport, ReturnType<typeof describeWith>][] = [
  ['TCP', 'tcp', describeWith([])],
  ['NATS', 'nats', describeWith(['nats'])],
  ['RabbitMQ', 'rmq', describeWith(['rmq'])],
];

/**
 * Far below the status cache's 60 s: a refusal within this long comes from the
 * event, not from the cache entry expiring. The product's goal is 2 s; this
 * leaves room for a busy machine.
 */
const EVENT_DEADLINE_MS = 20_000;

async function statusUntil(request: () => Promise<ApiResponse>, wanted: number, timeoutMs: number): Promise<ApiResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await request();
    if (response.status === wanted || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const [name, transport, describeSplit] of splits) {
  describeSplit(`two gateway processes over ${name}`, () => {
    let topology: RunningTopology;
    let first: Api;
    let second: Api;

    beforeAll(async () => {
      topology = await startSplit('embedded', transport, { gateways: 2 });
      first = new Api(`http://127.0.0.1:${topology.processes.gateway.port}`);
      second = new Api(`http://127.0.0.1:${topology.processes['gateway-2'].port}`);
    }, 120_000);

    afterAll(async () => {
      await topology?.stop();
    }, 30_000);

    it('refuses, at the second gateway, the token of a user deactivated through the first, long before its cached status expires', async () => {
      const email = `${randomUUID()}@example.com`;
      const password = 'a long password';
      const registered = await first.post('/auth/register', { email, password, name: 'Soon Gone' });
      expect(registered.status).toBe(201);
      const { accessToken } = (await first.post('/auth/login', { email, password })).body;
      const admin = (await first.post('/auth/login', TEST_ADMIN)).body.accessToken;

      // The second gateway reads the user once and keeps the status for 60 s.
      expect((await second.get('/users/me', { token: accessToken })).status).toBe(200);
      expect((await first.post(`/users/${registered.body.id}/deactivate`, undefined, { token: admin })).status).toBe(200);

      const refused = await statusUntil(() => second.get('/users/me', { token: accessToken }), 401, EVENT_DEADLINE_MS);
      expect(refused.status).toBe(401);
      expect((await first.get('/users/me', { token: accessToken })).status).toBe(401);
    });
  });
}
