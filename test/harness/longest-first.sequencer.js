// The order jest starts test files in. Two e2e suites run at a time, so the run ends when the later of the two
// workers does: started longest first, the last ones to start are short and the workers end together. Jest orders by
// the durations it recorded in its cache, and without a cache (a clean clone, as in CI) by file size, which here says
// the opposite: the suites that run the whole API suite on a topology are the smallest files (monolith, nats-split,
// tcp-split), so they started last, and on 2026-12-06 CI's tcp-split (3 min) and broker-partition (2 min) were
// among the last to start. Without a cache, an e2e suite is taken to last what it took in CI then (seconds, both
// databases, two suites at a time, on a busy machine); only their order matters, and a new suite counts as a long
// one until jest has timed it. With a cache, jest's own timings decide, as by default.
const { basename } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const E2E_SECONDS_IN_CI = {
  'crash-safety': 601,
  'crash-safety-split': 155,
  'tcp-split': 105,
  'gateway-events': 170,
  'new-context': 108,
  'broker-partition': 89,
  monolith: 48,
  'startup-failures': 117,
  faults: 93,
  tracing: 78,
  'catalog-replicas': 77,
  'disk-full': 75,
  'rolling-stop': 71,
  'start-split': 66,
  'monolith-lifecycle': 110,
  'order-recovery': 62,
  'tcp-partition': 60,
  'start-dev': 59,
  'embedded-database-stuck': 75,
  'shared-state': 58,
  'slow-clients': 47,
  'npm-start': 41,
  'late-requests': 40,
  'hostile-input': 37,
  'database-outage': 37,
  metrics: 36,
  correlation: 36,
  'runtime-settings': 36,
  'rmq-split': 45,
  tls: 31,
  // Timed here, not yet in CI: the embedded database's move starts the monolith twice and PGlite four times.
  'move-context': 45,
};
/** A suite CI has not timed yet: taken as long, so that it does not end a run alone. */
const UNTIMED_SECONDS = 150;
/** The suites CI timed under its 30-second threshold of a slow test. */
const SHORT_SECONDS = 25;
const SHORT_SUITES = new Set([
  'upgrade',
  'dead-letters',
  'sql-per-order',
  'tcp-replicas',
  'stored-data',
  'database-pool',
  'order-expiry',
  'extracted-ordering',
  'nats-split',
]);

class LongestFirstSequencer extends Sequencer {
  time(test) {
    const recorded = super.time(test);
    if (recorded !== undefined || !test.path.endsWith('.e2e-spec.ts')) return recorded;
    const name = basename(test.path, '.e2e-spec.ts');
    if (name in E2E_SECONDS_IN_CI) return E2E_SECONDS_IN_CI[name] * 1000;
    return SHORT_SUITES.has(name) ? SHORT_SECONDS * 1000 : UNTIMED_SECONDS * 1000;
  }
}

module.exports = LongestFirstSequencer;
