import './instrument';
import 'reflect-metadata';
import { CatalogModule } from '@tessera/catalog';
import { ContextAppModule, defaultHealthPort, launch, runApp } from '@tessera/platform';

launch(() => runApp({ name: 'catalog', module: ContextAppModule.register('catalog', CatalogModule), defaultPort: defaultHealthPort('catalog') }));
