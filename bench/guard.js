#!/usr/bin/env node
// The regression guard CI runs after the tests: a short bench (the ratios against bare Fastify + pg, and the
// in-process hop against TCP), each figure compared with the one recorded in docs/benchmarks.md. It fails when a ratio
// falls more than BENCH_GUARD_TOLERANCE (default 0.25, a quarter) below its recorded figure in BENCH_GUARD_READINGS
// (default 3) measurements in a row. Ratios, not rates: the two sides of a ratio share the machine and its noise,
// which absolute figures on a shared CI machine do not.
// `npm run bench:guard` after `npm run build`; needs Postgres as `npm run bench` does.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

process.env.BENCH_ROUNDS ??= '3';
process.env.BENCH_RATIO_SECONDS ??= '5';
process.env.BENCH_MESSAGING_TRANSPORTS = 'inproc,tcp';

const RECORD = join(__dirname, '..', 'docs', 'benchmarks.md');
const TOLERANCE = Number(process.env.BENCH_GUARD_TOLERANCE ?? 0.25);
const READINGS = Math.max(1, Number(process.env.BENCH_GUARD_READINGS ?? 3));
/** The messaging bench's name of a transport, as docs/benchmarks.md names it. */
const TRANSPORT_NAMES = { inproc: 'in process', tcp: 'TCP' };

/** The first Markdown table of `markdown` whose header has every one of `columns`, as objects by header cell. */
function tableWith(markdown, columns) {
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const header = cells(lines[i]);
    if (!header || !columns.every((column) => header.includes(column))) continue;
    const rows = [];
    for (let j = i + 2; j < lines.length && cells(lines[j]); j++) rows.push(Object.fromEntries(cells(lines[j]).map((cell, n) => [header[n], cell])));
    return rows;
  }
  throw new Error(`${RECORD} has no table with the columns ${columns.join(', ')}`);
}

function cells(line) {
  const trimmed = line.trim();
  if (!trimmed.startsWith('|')) return undefined;
  return trimmed
    .slice(1, trimmed.endsWith('|') ? -1 : undefined)
    .split('|')
    .map((cell) => cell.trim());
}

/** A recorded figure: `29%` is 0.29, `2.69` is 2.69. */
function numberIn(cell) {
  const value = Number.parseFloat(cell.replace(/,/g, ''));
  if (!Number.isFinite(value)) throw new Error(`"${cell}" in ${RECORD} is not a figure`);
  return cell.trim().endsWith('%') ? value / 100 : value;
}

/** The guard's checks of one part: each ratio it measures, with the figure docs/benchmarks.md records for it. */
async function ratioChecks(recordedRatios, only) {
  const { benchRatios } = require('./run');
  return (await benchRatios(only?.map((check) => check.scenario))).map((row) => {
    const recorded = recordedRatios.find((r) => r.what === row.scenario);
    if (!recorded) throw new Error(`${RECORD} records no ratio for "${row.scenario}"`);
    return { what: `${row.scenario}, Tessera / bare`, scenario: row.scenario, measured: row.ratio, recorded: numberIn(recorded.ratio) };
  });
}

async function hopChecks(recordedHops) {
  const { benchMessaging } = require('./messaging');
  const { rows } = await benchMessaging();
  return rows
    .filter((r) => r.transport === 'inproc')
    .map((row) => {
      const name = TRANSPORT_NAMES[row.transport];
      const recorded = recordedHops.find((r) => r.transport === name);
      if (!recorded) throw new Error(`${RECORD} records no messaging row for "${name}"`);
      return { what: `request/reply ${name}, × TCP`, measured: row.timesTcp, recorded: numberIn(recorded['× TCP']) };
    });
}

const floorOf = (check) => check.recorded * (1 - TOLERANCE);

/**
 * A part's checks, each one below its floor measured again, up to READINGS
 * readings, and keeping the best: a ratio swings with how fast the shared
 * machine is that minute (the order flow at one client most, its bare
 * baseline answering in under a millisecond), while a regression reads low
 * every time. `part(low)` measures the checks `low` again, or all of them.
 */
async function measured(part) {
  let checks = await part();
  for (let reading = 2; reading <= READINGS; reading++) {
    const low = checks.filter((check) => check.measured < floorOf(check));
    if (low.length === 0) break;
    console.log(`\n${low.map((check) => check.what).join('; ')}: below the floor, measured again (reading ${reading} of ${READINGS})`);
    const again = await part(low);
    checks = checks.map((check) => {
      const other = again.find((candidate) => candidate.what === check.what);
      return other ? { ...check, measured: Math.max(check.measured, other.measured) } : check;
    });
  }
  return checks;
}

async function main() {
  const record = readFileSync(RECORD, 'utf8');
  const recordedRatios = tableWith(record, ['what', 'ratio']);
  const recordedHops = tableWith(record, ['transport', '× TCP']);
  const checks = [...(await measured((low) => ratioChecks(recordedRatios, low))), ...(await measured(() => hopChecks(recordedHops)))];

  console.log(`\nRegression guard: each ratio against docs/benchmarks.md, failing below ${Math.round((1 - TOLERANCE) * 100)}% of it\n`);
  console.log('| what | recorded | measured | floor | |');
  console.log('| --- | --- | --- | --- | --- |');
  const failures = [];
  for (const check of checks) {
    const floor = floorOf(check);
    const ok = check.measured >= floor;
    if (!ok) failures.push(check);
    console.log(`| ${check.what} | ${check.recorded.toFixed(2)} | ${check.measured.toFixed(2)} | ${floor.toFixed(2)} | ${ok ? 'ok' : 'BELOW'} |`);
  }
  if (failures.length > 0) {
    console.error(
      `\n${failures.length} ratio(s) fell more than ${TOLERANCE * 100}% below docs/benchmarks.md in each of ${READINGS} readings: ${failures.map((f) => f.what).join('; ')}`,
    );
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
