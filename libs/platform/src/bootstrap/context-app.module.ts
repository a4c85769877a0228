import { DynamicModule, Module, Type } from '@nestjs/common';
import { CONTEXT_NAMES, ContextName } from '@tessera/contracts';
import { DEFAULT_TCP_PORTS, MessagingModule, topologyFromEnv } from '@tessera/messaging';
import { HealthModule } from '../health/health.module';
import { PlatformModule } from '../platform.module';

/** One context as its own process: its messages over TRANSPORT, a client for every other context (which /health/contexts shows), and health on HTTP for probes. */
@Module({})
export class ContextAppModule {
  static register(context: ContextName, contextModule: Type<unknown>, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    const topology = topologyFromEnv(env, { kind: 'context', context }, [context]);
    return {
      module: ContextAppModule,
      imports: [
        PlatformModule,
        MessagingModule.forTopology(topology, CONTEXT_NAMES),
        contextModule,
        HealthModule.forContexts(CONTEXT_NAMES.filter((other) => other !== context)),
      ],
    };
  }
}

/** The HTTP port of a context process when PORT is unset: its TCP port minus 1000 (users 3001 ... payments 3004). */
export function defaultHealthPort(context: ContextName): number {
  return DEFAULT_TCP_PORTS[context] - 1000;
}
