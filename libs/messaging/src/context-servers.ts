import { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { InProcessBroker } from './inproc/in-process.broker';
import { InProcessServer } from './inproc/in-process.server';
import { callHandlersDirectly } from './handling/direct-request-handlers';
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
  const requestQueues = app.get<RabbitRequestQueues | undefined>(RABBIT_REQUEST_QUEUES);
  const strategies = [
    new InProcessServer(app.get<InProcessBroker>(IN_PROCESS_BROKER)),
    ...createNetworkServers(topology, app.get<BrokerEvents | undefined>(BROKER_EVENTS), requestQueues),
  ];
  for (const strategy of strategies) {
    // Not the HTTP app's global pipes, guards and filters: a message handler is no route, and nothing of theirs applies
    // to it, yet each ran on every message (four guards and three pipes, about 7% of a product read's instructions).
    app.connectMicroservice({ strategy }, { inheritAppConfig: false });
    // Its handlers are registered by now; those Nest's RPC pipeline would do nothing for are called as plain methods.
    callHandlersDirectly(strategy, app.get(ModulesContainer));
  }
  await app.startAllMicroservices();
}
