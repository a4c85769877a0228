import './instrument';
import 'reflect-metadata';
import { configureHttpApp, createFastifyAdapter } from '@tessera/gateway';
import { launch, runApp } from '@tessera/platform';
import { GatewayAppModule } from './gateway-app.module';

launch(() => runApp({ name: 'gateway', module: GatewayAppModule.register(), defaultPort: 3000, adapter: createFastifyAdapter, configure: configureHttpApp }));
