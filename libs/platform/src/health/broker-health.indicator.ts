import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { BROKER_EVENTS, TOPOLOGY } from '@tessera/messaging';
import type { BrokerEvents, Topology } from '@tessera/messaging';

const BROKER_NAMES = { nats: 'nats', rmq: 'rabbitmq' } as const;

/**
 * The message broker is up for this process when its connection is, and, on
 * RabbitMQ, when no channel of it has been closed by the broker for a while
 * without a new one (a consumer's, a request server's), and no request
 * server's own connection has been down for a while. Without them a context
 * takes no events and, on a broker transport, no requests.
 */
@Injectable()
export class BrokerHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(TOPOLOGY) private readonly topology: Topology,
    @Inject(BROKER_EVENTS) private readonly broker: BrokerEvents | undefined,
  ) {}

  /** Whether this process talks to a broker at all: not in process, not over TCP. */
  get applies(): boolean {
    return this.broker !== undefined;
  }

  async check(): Promise<HealthIndicatorResult> {
    const name = BROKER_NAMES[this.topology.transport as keyof typeof BROKER_NAMES] ?? 'broker';
    const session = this.indicators.check(name);
    if (!(await this.broker?.isConnected())) return session.down({ message: `${name} is not reachable` });
    const lost = this.broker?.lostChannels?.() ?? [];
    return lost.length === 0 ? session.up() : session.down({ message: `${name} closed ${lost.join(', ')}, not set up again since` });
  }
}
