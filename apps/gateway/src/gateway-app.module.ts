import { DynamicModule, Module } from '@nestjs/common';
import { GATEWAY_REACHED_CONTEXTS, GatewayModule } from '@tessera/gateway';
import { MessagingModule, topologyFromEnv } from '@tessera/messaging';
import { HealthModule, PlatformModule } from '@tessera/platform';

/** The HTTP API alone: every context is reached over TRANSPORT. */
@Module({})
export class GatewayAppModule {
  static register(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    const topology = topologyFromEnv(env, { kind: 'gateway' }, GATEWAY_REACHED_CONTEXTS);
    return {
      module: GatewayAppModule,
      imports: [
        PlatformModule,
        MessagingModule.forTopology(topology, GATEWAY_REACHED_CONTEXTS),
        GatewayModule,
        HealthModule.forContexts(GATEWAY_REACHED_CONTEXTS),
      ],
    };
  }
}
