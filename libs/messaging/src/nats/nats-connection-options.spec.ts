import { ConfigurationError } from '../startup/start-refusal';
import { hasNatsCredentials, natsConnectionOptions } from './nats-connection-options';

describe('natsConnectionOptions', () => {
  it('takes a user and password out of the URL, decoding what is percent-encoded', () => {
    expect(natsConnectionOptions('nats://tessera:p%40ss%3Aw%2Frd@nats.nats.svc.cluster.local:4222')).toEqual({
      servers: ['nats://nats.nats.svc.cluster.local:4222'],
      user: 'tessera',
      pass: 'p@ss:w/rd',
    });
  });

  it('keeps the port when the password starts with digits, which nats.js alone would read as the port', () => {
    expect(natsConnectionOptions('nats://tessera:4711secret@broker:4222')).toEqual({ servers: ['nats://broker:4222'], user: 'tessera', pass: '4711secret' });
  });

  it('reads a user without a password as a token, and a password without a user', () => {
    expect(natsConnectionOptions('nats://s3cr3t-t0ken@broker:4222')).toEqual({ servers: ['nats://broker:4222'], token: 's3cr3t-t0ken' });
    expect(natsConnectionOptions('nats://:s3cr3t-t0ken@broker:4222')).toEqual({ servers: ['nats://broker:4222'], token: 's3cr3t-t0ken' });
  });

  it('passes a URL without credentials through, the scheme and an IPv6 host included', () => {
    expect(natsConnectionOptions('nats://127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
    expect(natsConnectionOptions('tls://u:p@[::1]:4222')).toEqual({ servers: ['tls://[::1]:4222'], user: 'u', pass: 'p' });
  });

  it('takes every server of a list, with the credentials they share', () => {
    expect(natsConnectionOptions('nats://u:p@nats-0:4222, nats://u:p@nats-1:4222,nats://u:p@nats-2:4222')).toEqual({
      servers: ['nats://nats-0:4222', 'nats://nats-1:4222', 'nats://nats-2:4222'],
      user: 'u',
      pass: 'p',
    });
    expect(natsConnectionOptions(['nats://t0ken@a:4222', 'tls://t0ken@b:4222'])).toEqual({ servers: ['nats://a:4222', 'tls://b:4222'], token: 't0ken' });
  });

  it.each([
    ['two passwords', 'nats://u:p@a:4222,nats://u:q@b:4222'],
    ['credentials on some servers only', 'nats://u:p@a:4222,nats://b:4222'],
    ['a token and a user', 'nats://t0ken@a:4222,nats://u:p@b:4222'],
  ])('refuses a list whose servers disagree on the credentials (%s), which a NATS client cannot log in with, showing none of them', (_case, natsUrl) => {
    expect(() => natsConnectionOptions(natsUrl)).toThrow(ConfigurationError);
    expect(() => natsConnectionOptions(natsUrl)).toThrow(
      /^NATS_URL lists servers with different credentials.*write the same user and password, or token, in each URL$/,
    );
    expect(() => natsConnectionOptions(natsUrl)).not.toThrow(/p@|:p|q@|t0ken/);
  });

  it('says whether a URL carries credentials', () => {
    expect([hasNatsCredentials('nats://u:p@h:4222'), hasNatsCredentials('nats://token@h:4222'), hasNatsCredentials('nats://h:4222')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
