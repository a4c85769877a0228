import { INestApplication } from '@nestjs/common';
import { InProcessBroker } from './inproc/in-process.broker';
import { InProcessServer } from './inproc/in-process.server';
import { BROKER_EVENTS, IN_PROCESS_BROKER, RABBIT_REQUEST_QUEUES, TOPOLOGY } from './messaging.tokens';
import type { RabbitRequestQueues } from './rmq/request-queue-choice';
import { Topology } from './topology/topology';
import { BrokerEvents, createNetworkServers } from './transports/transport-factory';

/**
 * Makes the message handlers of this process reachable: always in process, and,
 * on a network transport, for each context it hosts: its requests, and on a
 * broker its durable events.
 */
export async function startContextServers(app: INestApplication): Promise<void> {
  const topology = app.get<Topology>(TOPOLOGY);
  app.connectMicroservice({ strategy: new InProcessServer(app.get<InProcessBroker>(IN_PROCESS_BROKER)) }, { inheritAppConfig: true });
  const requestQueues = app.get<RabbitRequestQueues | undefined>(RABBIT_REQUEST_QUEUES);
  for (const strategy of createNetworkServers(topology, app.get<BrokerEvents | undefined>(BROKER_EVENTS), requestQueues)) {
    app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  }
  await app.startAllMicroservices();
}
