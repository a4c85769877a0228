export * from './start-tracing';
// What apps/<app>/src/instrument.ts runs first of all, before tracing reads its OTEL_* settings.
export { loadEnvFileOrExit } from '../config/env-file';
// Then, in a process that hosts contexts, the embedded database, which opens on the other core while the app loads.
export { openEmbeddedDatabaseEarly } from '../database/early-embedded-database';
