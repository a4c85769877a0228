import { INestApplication } from '@nestjs/common';
import { InProcessBroker } from './inproc/in-process.broker';
import { InProcessServer } from './inproc/in-process.server';
import { IN_PROCESS_BROKER, TOPOLOGY } from './messaging.tokens';
import { TcpContextServer } from './tcp/tcp-context.server';
import { Topology } from './topology/topology';

/**
 * Makes the message handlers of this process reachable: always in process, and,
 * on a network transport, at the address of each context it hosts.
 */
export async function startContextServers(app: INestApplication): Promise<void> {
  const topology = app.get<Topology>(TOPOLOGY);
  app.connectMicroservice({ strategy: new InProcessServer(app.get<InProcessBroker>(IN_PROCESS_BROKER)) }, { inheritAppConfig: true });
  if (topology.transport === 'tcp') {
    for (const context of topology.hosted) {
      app.connectMicroservice({ strategy: new TcpContextServer(topology.tcpAddresses[context]) }, { inheritAppConfig: true });
    }
  }
  await app.startAllMicroservices();
}
