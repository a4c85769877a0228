// The build the dev commands run from: `npm run build` when dist/ is missing or older than the sources, judged by the
// same check every app makes at start (libs/platform/src/bootstrap/stale-build.ts, read from the build itself).
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const STALE_BUILD_CHECK = join(DIST, 'libs', 'platform', 'src', 'bootstrap', 'stale-build.js');
// npm's own name on Windows is npm.cmd; spawn finds neither without it.
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Why dist/ must be built before it runs, or undefined when it is current. */
function whyBuild() {
  if (!existsSync(STALE_BUILD_CHECK)) return 'there is no build yet';
  return require(STALE_BUILD_CHECK).staleBuildWarning(DIST) ? 'the sources changed since the last build' : undefined;
}

/** Builds when needed (whyBuild), saying why; exits the process with a line when the build fails. */
function buildIfNeeded() {
  const reason = whyBuild();
  if (!reason) return;
  process.stdout.write(`Building (${reason}): npm run build\n`);
  const build = spawnSync(NPM, ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('The build failed (above): nothing was started\n');
    process.exit(build.status ?? 1);
  }
}

module.exports = { ROOT, NPM, buildIfNeeded };
