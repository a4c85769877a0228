// First of the process (main.ts imports it before anything): the .env file, before anything reads the environment;
// then traces, when exported, which must patch http and pg before anything loads them. npm run start:dev loads this
// file alone; main.ts goes on with embedded-database-early.ts.
import { loadEnvFileOrExit, startTracingOrExit } from '@tessera/platform/tracing';

loadEnvFileOrExit();
startTracingOrExit('monolith');
