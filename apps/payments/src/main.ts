import './instrument';
import 'reflect-metadata';
import { PaymentsModule } from '@tessera/payments';
import { ContextAppModule, defaultHealthPort, launch, runApp } from '@tessera/platform';

launch(() => runApp({ name: 'payments', module: ContextAppModule.register('payments', PaymentsModule), defaultPort: defaultHealthPort('payments') }));
