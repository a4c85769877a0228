// First of the process (main.ts imports it before anything): the .env file, before anything reads the environment;
// then traces, when exported, which must patch http and pg before anything loads them.
import { loadEnvFileOrExit, startTracingOrExit } from '@tessera/platform/tracing';

loadEnvFileOrExit();
startTracingOrExit('users');
