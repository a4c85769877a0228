#!/usr/bin/env node
// The regression guard CI runs after the tests: a short bench (the ratios against bare Fastify + pg, and the
// in-process hop against TCP), each figure compared with the one recorded in docs/benchmarks.md. It fails when a ratio
// falls more than BENCH_GUARD_TOLERANCE (default 0.25, a quarter) below its recorded figure. Ratios, not rates: the
// two sides of a ratio share the machine and its noise, which absolute figures on a shared CI machine do not.
// `npm run bench:guard` after `npm run build`; needs Postgres as `npm run bench` does.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

process.env.BENCH_ROUNDS ??= '3';
process.env.BENCH_RATIO_SECONDS ??= '5';
process.env.BENCH_MESSAGING_TRANSPORTS = 'inproc,tcp';

const RECORD = join(__dirname, '..', 'docs', 'benchmarks.md');
const TOLERANCE = Number(process.env.BENCH_GUARD_TOLERANCE ?? 0.25);
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
  return trimmed.slice(1, trimmed.endsWith('|') ? -1 : undefined).split('|').map((cell) => cell.trim());
}

/** A recorded figure: `29%` is 0.29, `2.69` is 2.69. */
function numberIn(cell) {
  const value = Number.parseFloat(cell.replace(/,/g, ''));
  if (!Number.isFinite(value)) throw new Error(`"${cell}" in ${RECORD} is not a figure`);
  return cell.trim().endsWith('%') ? value / 100 : value;
}

async function main() {
  const record = readFileSync(RECORD, 'utf8');
  const recordedRatios = tableWith(record, ['what', 'ratio']);
  const recordedHops = tableWith(record, ['transport', '× TCP']);
  const { benchRatios } = require('./run');
  const { benchMessaging } = require('./messaging');

  const checks = [];
  for (const row of await benchRatios()) {
    const recorded = recordedRatios.find((r) => r.what === row.scenario);
    if (!recorded) throw new Error(`${RECORD} records no ratio for "${row.scenario}"`);
    checks.push({ what: `${row.scenario}, Tessera / bare`, measured: row.ratio, recorded: numberIn(recorded.ratio) });
  }
  const { rows: hops } = await benchMessaging();
  for (const row of hops.filter((r) => r.transport === 'inproc')) {
    const name = TRANSPORT_NAMES[row.transport];
    const recorded = recordedHops.find((r) => r.transport === name);
    if (!recorded) throw new Error(`${RECORD} records no messaging row for "${name}"`);
    checks.push({ what: `request/reply ${name}, × TCP`, measured: row.timesTcp, recorded: numberIn(recorded['× TCP']) });
  }

  console.log(`\nRegression guard: each ratio against docs/benchmarks.md, failing below ${Math.round((1 - TOLERANCE) * 100)}% of it\n`);
  console.log('| what | recorded | measured | floor | |');
  console.log('| --- | --- | --- | --- | --- |');
  const failures = [];
  for (const check of checks) {
    const floor = check.recorded * (1 - TOLERANCE);
    const ok = check.measured >= floor;
    if (!ok) failures.push(check);
    console.log(`| ${check.what} | ${check.recorded.toFixed(2)} | ${check.measured.toFixed(2)} | ${floor.toFixed(2)} | ${ok ? 'ok' : 'BELOW'} |`);
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} ratio(s) fell more than ${TOLERANCE * 100}% below docs/benchmarks.md: ${failures.map((f) => f.what).join('; ')}`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
