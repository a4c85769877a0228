import { DynamicModule, Module, Type } from '@nestjs/common';
import { CatalogModule } from '@tessera/catalog';
import type { ContextName } from '@tessera/contracts';
import { GATEWAY_REACHED_CONTEXTS, GatewayModule } from '@tessera/gateway';
import { MessagingModule, topologyFromEnv } from '@tessera/messaging';
import { HealthModule, PlatformModule } from '@tessera/platform';
import { OrderingModule } from '@tessera/ordering';
import { PaymentsModule } from '@tessera/payments';
import { UsersModule } from '@tessera/users';

/** The contexts this build can host, by name. */
export const CONTEXT_MODULES: Partial<Record<ContextName, Type<unknown>>> = {
  users: UsersModule,
  catalog: CatalogModule,
  ordering: OrderingModule,
  payments: PaymentsModule,
};
const HOSTABLE = Object.keys(CONTEXT_MODULES) as ContextName[];

/** The HTTP gateway plus the contexts named in CONTEXTS (default all), reaching the rest over TRANSPORT. */
@Module({})
export class MonolithModule {
  static register(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    const topology = topologyFromEnv(env, { kind: 'monolith' }, HOSTABLE);
    return {
      module: MonolithModule,
      imports: [
        PlatformModule,
        MessagingModule.forTopology(topology, HOSTABLE),
        ...topology.hosted.map((context) => CONTEXT_MODULES[context]!),
        GatewayModule,
        HealthModule.forContexts(GATEWAY_REACHED_CONTEXTS),
      ],
    };
  }
}
