#!/usr/bin/env node
// The jest part of `npm test`: the unit specs and the e2e suites as two jest processes side by side, rather than one
// jest whose workers take them in turn. On CI's 2-core machine jest runs one worker, so the unit specs (about 2.5 min
// alone) used to wait between e2e suites. The e2e suites run two at a time: most of a suite's time is spent waiting
// (for processes to start, leases and timeouts to run out, events to arrive), and one at a time they took 21.6 min in
// CI on 2026-12-02, which with npm ci and the bench guard left CI three minutes under its 30. Two at a time, on the
// same machine the same hour, they took 17.1 min and every suite passed; each suite is slower (crash-safety 692 s
// instead of 300-414), which the waits, sized for a busy machine and condition-based, allow. The e2e output streams as
// it comes; the unit specs' is printed in one block when they end, so the two never interleave line by line. Arguments
// go to both (a path or -t picks from either; the one that finds nothing passes). Exits non-zero when either fails.
const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const args = process.argv.slice(2);
const colors = process.stdout.isTTY ? ['--colors'] : [];

// Both run their tests in a process of this one, so the test harness cannot tell them apart to hand out ports
// (test/harness/processes.ts): each gets its own part of the range, and a port one hands a server it starts is never
// taken first by the other's.
const PORTS = { unit: '20000-25999', e2e: '26000-31999' };

function jest(project, stdio) {
  const env = { ...process.env, TESSERA_TEST_PORTS: PORTS[project] };
  const workers = project === 'e2e' ? ['--maxWorkers=2'] : [];
  return spawn(process.execPath, [JEST, '--selectProjects', project, '--passWithNoTests', ...workers, ...colors, ...args], { cwd: ROOT, stdio, env });
}

// 'close', not 'exit': a child's output may still be arriving when it exits.
const exitOf = (child) => new Promise((resolve) => child.once('close', (code, signal) => resolve(signal ? 1 : (code ?? 1))));

async function main() {
  // Every process a test starts logs to a file of its own there (test/harness/processes.ts), so a run's files would
  // otherwise add up run after run: the folder holds the last run's.
  rmSync(join(ROOT, '.data', 'test-logs'), { recursive: true, force: true });
  const e2e = jest('e2e', 'inherit');
  const unit = jest('unit', ['ignore', 'pipe', 'pipe']);
  // A terminal's Ctrl-C reaches both already; a SIGTERM (CI's timeout, a supervisor) is sent on.
  process.on('SIGTERM', () => [e2e, unit].forEach((child) => child.kill('SIGTERM')));
  const unitOutput = [];
  unit.stdout.on('data', (chunk) => unitOutput.push(chunk));
  unit.stderr.on('data', (chunk) => unitOutput.push(chunk));
  const unitEnded = exitOf(unit).then((code) => {
    process.stdout.write(`\n── unit specs (${code === 0 ? 'passed' : 'failed'}) ──\n${Buffer.concat(unitOutput).toString()}\n── end of the unit specs ──\n\n`);
    return code;
  });
  const [unitCode, e2eCode] = await Promise.all([unitEnded, exitOf(e2e)]);
  if (unitCode !== 0 || e2eCode !== 0) {
    console.error(`npm test: ${[unitCode !== 0 && 'the unit specs', e2eCode !== 0 && 'the e2e suites'].filter(Boolean).join(' and ')} failed`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
