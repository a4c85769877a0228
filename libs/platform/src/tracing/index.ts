export * from './start-tracing';
// What apps/<app>/src/instrument.ts runs first of all, before tracing reads its OTEL_* settings.
export { loadEnvFileOrExit } from '../config/env-file';
