import { hasNatsCredentials, natsConnectionOptions } from './nats-connection-options';

describe('natsConnectionOptions', () => {
  it('takes a user and password out of the URL, decoding what is percent-encoded', () => {
    expect(natsConnectionOptions('nats://tessera:p%40ss%3Aw%2Frd@nats.nats.svc.cluster.local:4222')).toEqual({
      servers: 'nats://nats.nats.svc.cluster.local:4222',
      user: 'tessera',
      pass: 'p@ss:w/rd',
    });
  });

  it('keeps the port when the password starts with digits, which nats.js alone would read as the port', () => {
    expect(natsConnectionOptions('nats://tessera:4711secret@broker:4222')).toEqual({ servers: 'nats://broker:4222', user: 'tessera', pass: '4711secret' });
  });

  it('reads a user without a password as a token, and a password without a user', () => {
    expect(natsConnectionOptions('nats://s3cr3t-t0ken@broker:4222')).toEqual({ servers: 'nats://broker:4222', token: 's3cr3t-t0ken' });
    expect(natsConnectionOptions('nats://:s3cr3t-t0ken@broker:4222')).toEqual({ servers: 'nats://broker:4222', token: 's3cr3t-t0ken' });
  });

  it('passes a URL without credentials through, the scheme and an IPv6 host included', () => {
    expect(natsConnectionOptions('nats://127.0.0.1:4222')).toEqual({ servers: 'nats://127.0.0.1:4222' });
    expect(natsConnectionOptions('tls://u:p@[::1]:4222')).toEqual({ servers: 'tls://[::1]:4222', user: 'u', pass: 'p' });
  });

  it('says whether a URL carries credentials', () => {
    expect([hasNatsCredentials('nats://u:p@h:4222'), hasNatsCredentials('nats://token@h:4222'), hasNatsCredentials('nats://h:4222')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
