import './instrument';
import 'reflect-metadata';
import { configureHttpApp, createFastifyAdapter } from '@tessera/gateway';
import { launch, runApp } from '@tessera/platform';
import { MonolithModule } from './monolith.module';

launch(() => runApp({ name: 'monolith', module: MonolithModule.register(), defaultPort: 3000, adapter: createFastifyAdapter, configure: configureHttpApp }));
