import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../../domain/password.hasher';

/** Cost parameters for new hashes: the OWASP minimum for scrypt (N=2^14, r=8, p=1). */
const COST = { ln: 14, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 64;
// Bounds for parameters read back from a stored hash, so a corrupt or hostile
// value cannot make one verification allocate gigabytes.
const LIMITS = { ln: [10, 20], r: [1, 32], p: [1, 16] } as const;
// The PHC string format (https://github.com/P-H-C/phc-string-format), as passlib writes scrypt:
// $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>, both in unpadded base64.
const PHC = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
// What scrypt cannot tell apart: it hashes UTF-8 bytes, where a lone surrogate becomes U+FFFD like any
// other, through an HMAC that pads its key with zero bytes, so "secret\0" derives the key of "secret".
// eslint-disable-next-line no-control-regex -- NUL is what it exists to find
const INDISTINCT_CHARACTER = /\u0000|\p{Cs}/u;

interface ScryptHash {
  ln: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/**
 * Password hashing with scrypt (memory-hard), on libuv's thread pool so the
 * event loop stays free. A hash names its own parameters, so raising the cost
 * later leaves older hashes verifiable.
 */
@Injectable()
export class ScryptPasswordHasher implements PasswordHasher {
  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, KEY_BYTES, COST);
    return encode({ ...COST, salt, key });
  }

  /** Whether `password` is the one `hash` was made from; never for a password holding a NUL or a lone surrogate, which would pass as another. */
  async verify(password: string, hash: string): Promise<boolean> {
    const stored = decode(hash);
    const key = await derive(password, stored.salt, stored.key.length, stored);
    // Refused only after deriving, so that such a password takes as long to fail as a wrong one.
    return timingSafeEqual(key, stored.key) && !INDISTINCT_CHARACTER.test(password);
  }
}

function derive(password: string, salt: Buffer, length: number, cost: { ln: number; r: number; p: number }): Promise<Buffer> {
  const N = 2 ** cost.ln;
  // Node refuses when 128 * N * r exceeds maxmem; give it room for the stored parameters.
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r };
  // NFKC as NIST SP 800-63B asks, so the same password typed on two keyboards
  // (composed or decomposed accents, say) hashes the same.
  const normalized = password.normalize('NFKC');
  return new Promise((resolve, reject) => {
    scrypt(normalized, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function encode({ ln, r, p, salt, key }: ScryptHash): string {
  return `$scrypt$ln=${ln},r=${r},p=${p}$${base64(salt)}$${base64(key)}`;
}

function decode(hash: string): ScryptHash {
  const match = PHC.exec(hash);
  if (!match) throw new Error('Stored password hash is not in the scrypt PHC format');
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!within(ln, LIMITS.ln) || !within(r, LIMITS.r) || !within(p, LIMITS.p)) {
    throw new Error('Stored password hash has scrypt parameters out of bounds');
  }
  const salt = Buffer.from(match[4], 'base64');
  const key = Buffer.from(match[5], 'base64');
  if (salt.length < SALT_BYTES || key.length < 32) throw new Error('Stored password hash is too short');
  return { ln, r, p, salt, key };
}

function within(value: number, [min, max]: readonly [number, number]): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function base64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
