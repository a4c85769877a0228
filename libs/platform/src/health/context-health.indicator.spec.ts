import type { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { ContextName } from '@tessera/contracts';
import type { ContextClient } from '@tessera/messaging';
import { ContextHealthIndicator } from './context-health.indicator';

type FakeClient = Pick<ContextClient, 'send' | 'circuitOpen'>;

function indicator(clients: Partial<Record<ContextName, FakeClient>>): ContextHealthIndicator {
  const moduleRef = { get: (token: string) => clients[token.replace('_CONTEXT_CLIENT', '').toLowerCase() as ContextName] } as unknown as ModuleRef;
  return new ContextHealthIndicator(moduleRef, new HealthIndicatorService());
}

const answering = (reply: unknown): FakeClient => ({ circuitOpen: false, send: jest.fn(async () => reply) as FakeClient['send'] });
const unreachable: FakeClient = {
  circuitOpen: false,
  send: jest.fn(() => Promise.reject(new Error('catalog did not answer catalog.check-health within 1500 ms'))),
};

describe('ContextHealthIndicator', () => {
  it('reaches a context that answers up, with the latency of its answer, through its health-check pattern', async () => {
    const users = answering({ context: 'users', status: 'up' });
    const reach = await indicator({ users }).reach('users');
    expect(reach).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    expect(users.send).toHaveBeenCalledWith('users.check-health', {}, { timeoutMs: expect.any(Number) });
  });

  it('shows a context down when it does not answer, or answers that its database is down', async () => {
    await expect(indicator({ catalog: unreachable }).reach('catalog')).resolves.toEqual({ status: 'down' });
    await expect(indicator({ payments: answering({ context: 'payments', status: 'down' }) }).reach('payments')).resolves.toEqual({
      status: 'down',
      latencyMs: expect.any(Number),
    });
  });

  it('shows a context whose circuit refused the probe as circuit-open', async () => {
    const ordering: FakeClient = {
      circuitOpen: true,
      send: jest.fn(async () => {
        throw new Error('ordering is unavailable: circuit open after repeated failures to reach it, next try within 5 s');
      }) as FakeClient['send'],
    };
    await expect(indicator({ ordering }).reach('ordering')).resolves.toEqual({ status: 'circuit-open' });
  });

  it('probes a context whose circuit opened earlier, so the trial the breaker lets through can find it up again', async () => {
    const ordering: FakeClient = { circuitOpen: true, send: jest.fn(async () => ({ context: 'ordering', status: 'up' })) as FakeClient['send'] };
    await expect(indicator({ ordering }).reach('ordering')).resolves.toEqual({ status: 'up', latencyMs: expect.any(Number) });
  });

  it('checks a hosted context for readiness, naming why it is down', async () => {
    await expect(indicator({ users: answering({ context: 'users', status: 'up' }) }).check('users')).resolves.toEqual({ users: { status: 'up' } });
    await expect(indicator({ catalog: unreachable }).check('catalog')).resolves.toEqual({
      catalog: { status: 'down', message: 'catalog did not answer catalog.check-health within 1500 ms' },
    });
    await expect(
      indicator({ payments: answering({ context: 'payments', status: 'down', details: { message: 'The payments database did not answer' } }) }).check(
        'payments',
      ),
    ).resolves.toEqual({
      payments: { status: 'down', message: 'The payments database did not answer' },
    });
  });

  it('sends one probe for the requests that come while it is under way, and a new one after it answered', async () => {
    let answer!: (reply: unknown) => void;
    const catalog: FakeClient = { circuitOpen: false, send: jest.fn(() => new Promise<unknown>((resolve) => (answer = resolve))) as FakeClient['send'] };
    const health = indicator({ catalog });
    const together = [health.reach('catalog'), health.check('catalog'), health.reach('catalog')];
    answer({ context: 'catalog', status: 'up' });
    await expect(Promise.all(together)).resolves.toEqual([
      { status: 'up', latencyMs: expect.any(Number) },
      { catalog: { status: 'up' } },
      { status: 'up', latencyMs: expect.any(Number) },
    ]);
    expect(catalog.send).toHaveBeenCalledTimes(1);
    const later = health.reach('catalog');
    answer({ context: 'catalog', status: 'down' });
    await expect(later).resolves.toEqual({ status: 'down', latencyMs: expect.any(Number) });
    expect(catalog.send).toHaveBeenCalledTimes(2);
  });
});
