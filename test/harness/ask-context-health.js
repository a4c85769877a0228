// Sends a context's health check through the messaging client of the build in the current directory, as a process of
// that build would: node ask-context-health.js <context>, reaching it by TRANSPORT and <CONTEXT>_TCP_ADDRESS (or a
// broker's URL) from the environment; prints the reply as JSON. It runs in a process of its own because it loads
// another copy's build, whose CONTEXT_NAMES may differ from the suite's.
const { join } = require('node:path');

const fromCwd = (id) => require(require.resolve(id, { paths: [process.cwd()] }));
const build = (lib) => require(join(process.cwd(), 'dist', 'libs', lib, 'src', 'index.js'));

(async () => {
  const [context] = process.argv.slice(2);
  fromCwd('reflect-metadata');
  const { NestFactory } = fromCwd('@nestjs/core');
  const { CONTEXT_NAMES } = build('contracts');
  const { contextClientToken, healthCheckPatternOf, MessagingModule, topologyFromEnv } = build('messaging');
  const topology = topologyFromEnv(process.env, { kind: 'gateway' }, CONTEXT_NAMES);
  const app = await NestFactory.createApplicationContext(MessagingModule.forTopology(topology, CONTEXT_NAMES), { logger: false });
  try {
    const reply = await app.get(contextClientToken(context)).send(healthCheckPatternOf(context), {});
    process.stdout.write(JSON.stringify(reply));
  } finally {
    await app.close();
  }
})().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
