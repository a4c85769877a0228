// First of the process (main.ts imports it before anything): traces, when exported, must patch http and pg before
// anything loads them.
import { startTracing } from '@tessera/platform/tracing';

startTracing('catalog');
