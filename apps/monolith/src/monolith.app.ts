import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { configureHttpApp, createFastifyAdapter } from '@tessera/gateway';
import { runApp } from '@tessera/platform';
import { MonolithModule } from './monolith.module';

/** Starts the monolith: main.ts once per process, and `npm run start:dev` again after every change it reloads. */
export function startMonolith(): Promise<NestFastifyApplication> {
  return runApp({ name: 'monolith', module: MonolithModule.register(), defaultPort: 3000, adapter: createFastifyAdapter, configure: configureHttpApp });
}
