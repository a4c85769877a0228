// A jest reporter: at the end of a run, the tests it skipped, grouped by suite, each group with the reason its
// name gives (describeWith names the services a bare run lacks), so a green run never hides what it did not run.
const { relative } = require('node:path');

class SkippedTestsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    // Tests left out by -t were chosen by whoever ran jest: only a run of everything lists what it skipped.
    this.filtered = Boolean(globalConfig.testNamePattern);
  }

  onRunComplete(_contexts, results) {
    if (this.filtered) return;
    const groups = new Map();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending' && test.status !== 'skipped' && test.status !== 'todo') continue;
        // Up to the describe that says why it was skipped (describeWith's), or the outermost one.
        const marked = test.ancestorTitles.findIndex((title) => title.includes('(skipped'));
        const suite = marked >= 0 ? test.ancestorTitles.slice(0, marked + 1).join(' › ') : (test.ancestorTitles[0] ?? test.title);
        const key = `${relative(this.rootDir, file.testFilePath)}\u0000${suite}`;
        groups.set(key, (groups.get(key) ?? 0) + 1);
      }
    }
    if (groups.size === 0) return;
    const lines = [...groups].map(([key, count]) => {
      const [file, suite] = key.split('\u0000');
      return `  ${file}: ${suite} (${count} ${count === 1 ? 'test' : 'tests'})`;
    });
    const total = [...groups.values()].reduce((sum, count) => sum + count, 0);
    process.stderr.write(`\nSkipped ${total} tests in ${groups.size} suites; each names what it needs:\n${lines.join('\n')}\n\n`);
  }
}

module.exports = SkippedTestsReporter;
