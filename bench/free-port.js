const { createServer } = require('node:net');

// Ports are handed out below the kernel's ephemeral range (32768 and up on Linux), from which the outgoing connections
// of the processes already running (to Postgres, to one another) take theirs: a port found free there could be taken
// by one of them before the process meant to listen on it started. Below the test harness's range too (20000 and up),
// so that a bench and a test run at once do not meet.
const FIRST_PORT = 12_000;
const PORTS = 8_000;
let next = process.pid % PORTS;

/** A port on 127.0.0.1 that nothing listens on now, and that this bench has not handed out before. */
async function freePort() {
  for (let tried = 0; tried < PORTS; tried++) {
    const port = FIRST_PORT + (next++ % PORTS);
    if (await canListen(port)) return port;
  }
  throw new Error(`No free port between ${FIRST_PORT} and ${FIRST_PORT + PORTS - 1}`);
}

function canListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

module.exports = { freePort };
