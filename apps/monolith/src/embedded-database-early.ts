// Second of the process (main.ts imports it after instrument.ts): the embedded database, when the monolith uses it,
// opens on the machine's other core while the app's modules load (ADR 0028). Not in npm run start:dev, whose
// dev-host loads instrument.ts alone: with an early start there, its e2e suite failed in full runs (ADR 0028).
import { openEmbeddedDatabaseEarly } from '@tessera/platform/tracing';

openEmbeddedDatabaseEarly('monolith');
