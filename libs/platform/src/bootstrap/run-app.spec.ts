import { Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigurationError, DependencyUnavailableError, MessagingModule, topologyFromEnv } from '@tessera/messaging';
import { AddressInfo } from 'node:net';
import { PlatformModule } from '../platform.module';
import { EXIT_CODES, exitCodeOf, runApp } from './run-app';

@Module({ imports: [PlatformModule, MessagingModule.forTopology(topologyFromEnv({ TRANSPORT: 'inproc' }, { kind: 'monolith' }, []), [])] })
class BareAppModule {}

describe('runApp', () => {
  const saved = { ...process.env };
  let app: NestFastifyApplication | undefined;

  beforeEach(() => Object.assign(process.env, { PORT: '0', LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  async function boundAddress(env: NodeJS.ProcessEnv): Promise<string> {
    Object.assign(process.env, env);
    app = await runApp({ name: 'run-app-spec', module: BareAppModule, defaultPort: 0 });
    return (app.getHttpServer().address() as AddressInfo).address;
  }

  it('listens on this machine alone outside production when HOST is unset', async () => {
    delete process.env.HOST;
    await expect(boundAddress({ NODE_ENV: 'development' })).resolves.toBe('127.0.0.1');
  });

  it('listens on every interface in production when HOST is unset', async () => {
    delete process.env.HOST;
    await expect(boundAddress({ NODE_ENV: 'production' })).resolves.toBe('0.0.0.0');
  });

  it('listens where HOST says', async () => {
    await expect(boundAddress({ NODE_ENV: 'development', HOST: '0.0.0.0' })).resolves.toBe('0.0.0.0');
  });
});

describe('exitCodeOf', () => {
  it('tells a configuration that will never start from a dependency that may come back, and both from the rest', () => {
    expect(exitCodeOf(new ConfigurationError('TRANSPORT must be one of inproc, tcp, nats, rmq; got "kafka"'))).toBe(78);
    expect(exitCodeOf(new DependencyUnavailableError('NATS at nats://127.0.0.1:4999 did not accept a connection'))).toBe(69);
    expect(exitCodeOf(new Error('boom'))).toBe(EXIT_CODES.failure);
    expect(exitCodeOf('a string')).toBe(1);
  });
});
