// First of the process (main.ts imports it before anything): the .env file, before anything reads the environment;
// then traces, when exported, which must patch http and pg before anything loads them; then the embedded database,
// when the process uses it, which opens on the machine's other core while the app's modules load.
import { loadEnvFileOrExit, openEmbeddedDatabaseEarly, startTracingOrExit } from '@tessera/platform/tracing';

loadEnvFileOrExit();
startTracingOrExit('monolith');
openEmbeddedDatabaseEarly('monolith');
