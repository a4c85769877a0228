import './instrument';
import 'reflect-metadata';
import { UsersModule } from '@tessera/users';
import { ContextAppModule, defaultHealthPort, launch, runApp } from '@tessera/platform';

launch(() => runApp({ name: 'users', module: ContextAppModule.register('users', UsersModule), defaultPort: defaultHealthPort('users') }));
