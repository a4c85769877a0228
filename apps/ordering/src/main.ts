import './instrument';
import 'reflect-metadata';
import { OrderingModule } from '@tessera/ordering';
import { ContextAppModule, defaultHealthPort, launch, runApp } from '@tessera/platform';

launch(() => runApp({ name: 'ordering', module: ContextAppModule.register('ordering', OrderingModule), defaultPort: defaultHealthPort('ordering') }));
