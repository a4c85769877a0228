import { startTlsServer, testCertificates, TestCertificates } from '../../../../test/harness/test-certificates';
import { topologyFromEnv } from '../topology/topology';
import { assertBrokerReachable } from './broker-reachability';
import { untrustedCertificateRefusal } from './certificate-refusal';
import { DependencyUnavailableError } from './start-refusal';

describe('untrustedCertificateRefusal', () => {
  const refusalFor = (code: string) => untrustedCertificateRefusal(Object.assign(new Error(code), { code }), 'NATS at tls://nats:4222', 'NATS_URL');

  it('says which authority to trust when a private one signed the certificate', () => {
    expect(refusalFor('SELF_SIGNED_CERT_IN_CHAIN')?.message).toBe(
      'NATS at tls://nats:4222 presented a certificate signed by an authority this process does not trust (SELF_SIGNED_CERT_IN_CHAIN): set NODE_EXTRA_CA_CERTS to the PEM file of that authority',
    );
  });

  it('says to renew a certificate out of its dates, and to name the host the certificate names', () => {
    expect(refusalFor('CERT_HAS_EXPIRED')?.message).toMatch(/not valid now \(CERT_HAS_EXPIRED\): renew the server's certificate$/);
    expect(refusalFor('ERR_TLS_CERT_ALTNAME_INVALID')?.message).toMatch(/for another host \(ERR_TLS_CERT_ALTNAME_INVALID\): set NATS_URL to a host name/);
  });

  it('leaves every other failure to the caller', () => {
    expect(refusalFor('ECONNREFUSED')).toBeUndefined();
    expect(untrustedCertificateRefusal(new Error('no code'), 'NATS', 'NATS_URL')).toBeUndefined();
  });
});

describe('assertBrokerReachable, against a server whose certificate a private authority signed', () => {
  let certificates: TestCertificates;
  let server: { port: number; close: () => Promise<void> };

  beforeAll(async () => {
    certificates = await testCertificates();
    server = await startTlsServer(certificates);
    // openssl makes two RSA keys: seconds on a busy machine.
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    certificates?.remove();
  });

  it('refuses the start at the first answer of an amqps:// RabbitMQ, saying to trust the authority, not to start the broker', async () => {
    const topology = topologyFromEnv({ TRANSPORT: 'rmq', RABBITMQ_URL: `amqps://shop:s3cret@127.0.0.1:${server.port}` }, { kind: 'gateway' }, []);

    const refusal = await assertBrokerReachable(topology, { budgetMs: 2000, pauseMs: 10 }).catch((error: Error) => error);

    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect((refusal as Error).message).toBe(
      `RabbitMQ at amqps://shop@127.0.0.1:${server.port} presented a certificate signed by an authority this process does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE): set NODE_EXTRA_CA_CERTS to the PEM file of that authority`,
    );
  }, 30_000);
});
