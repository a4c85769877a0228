import { HealthIndicatorService } from '@nestjs/terminus';
import { topologyFromEnv } from '@tessera/messaging';
import type { BrokerEvents } from '@tessera/messaging';
import { BrokerHealthIndicator } from './broker-health.indicator';

function indicator(transport: 'nats' | 'rmq', connected: boolean | undefined, lostChannels?: string[]): BrokerHealthIndicator {
  const topology = topologyFromEnv({ TRANSPORT: transport }, { kind: 'gateway' }, []);
  const broker =
    connected === undefined
      ? undefined
      : ({ isConnected: async () => connected, ...(lostChannels ? { lostChannels: () => lostChannels } : {}) } as unknown as BrokerEvents);
  return new BrokerHealthIndicator(new HealthIndicatorService(), topology, broker);
}

describe('BrokerHealthIndicator', () => {
  it('names the broker by transport and reports it up while connected', async () => {
    await expect(indicator('nats', true).check()).resolves.toEqual({ nats: { status: 'up' } });
    await expect(indicator('rmq', true).check()).resolves.toEqual({ rabbitmq: { status: 'up' } });
  });

  it('reports the broker down, by name, when its connection is lost', async () => {
    await expect(indicator('nats', false).check()).resolves.toEqual({ nats: { status: 'down', message: 'nats is not reachable' } });
  });

  it('reports RabbitMQ down, naming them, while channels the broker closed have no new one, its connection up', async () => {
    await expect(indicator('rmq', true, ['tessera-catalog-catalog-events']).check()).resolves.toEqual({
      rabbitmq: { status: 'down', message: 'rabbitmq closed tessera-catalog-catalog-events, not set up again since' },
    });
    await expect(indicator('rmq', true, []).check()).resolves.toEqual({ rabbitmq: { status: 'up' } });
  });

  it('does not apply to a process without a broker', () => {
    expect(indicator('nats', undefined).applies).toBe(false);
    expect(indicator('nats', true).applies).toBe(true);
  });
});
