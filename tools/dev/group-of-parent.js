'use strict';
// Runs a command, and ends it, with the whole process group this runs in, once the process that spawned this is gone.
// start-dev runs swc's watch through it: killed (SIGKILL, a closed terminal that sends nothing), start-dev can stop
// nothing, and npm, its shell and swc would go on watching and compiling into dist/ with nobody reading their output.
// The parent spawns this with an IPC channel and as the leader of a group of its own; the channel closes when the
// parent dies, however it dies, which no signal or pipe tells swc itself.
const { spawn } = require('node:child_process');

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });

child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.on('error', (error) => {
  process.stderr.write(`${command}: ${error.message}\n`);
  process.exit(1);
});
process.once('disconnect', () => {
  try {
    process.kill(-process.pid, 'SIGTERM');
  } catch {
    // Not a group leader (run by hand): the child alone, then.
    child.kill('SIGTERM');
  }
});
