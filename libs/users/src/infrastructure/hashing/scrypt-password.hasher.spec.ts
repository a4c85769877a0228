import { scryptSync } from 'node:crypto';
import { ScryptPasswordHasher } from './scrypt-password.hasher';

describe('ScryptPasswordHasher', () => {
  const hasher = new ScryptPasswordHasher();

  it('writes a self-describing PHC string: scrypt, N=2^14, r=8, p=1, a 16-byte salt and a 64-byte key', async () => {
    const hash = await hasher.hash('correct horse');
    const match = /^\$scrypt\$ln=14,r=8,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(hash);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1], 'base64')).toHaveLength(16);
    expect(Buffer.from(match![2], 'base64')).toHaveLength(64);
    expect(hash).not.toContain('correct horse');
  });

  it('verifies the right password and refuses any other', async () => {
    const hash = await hasher.hash('correct horse');
    await expect(hasher.verify('correct horse', hash)).resolves.toBe(true);
    await expect(hasher.verify('Correct horse', hash)).resolves.toBe(false);
    await expect(hasher.verify('', hash)).resolves.toBe(false);
  });

  it('never lets a password with trailing NULs pass as the password without them, although scrypt derives the same key', async () => {
    const salt = Buffer.alloc(16, 3);
    expect(scryptSync('correct horse\u0000', salt, 32)).toEqual(scryptSync('correct horse', salt, 32));
    const hash = await hasher.hash('correct horse');
    await expect(hasher.verify('correct horse\u0000', hash)).resolves.toBe(false);
    await expect(hasher.verify('correct horse\u0000\u0000\u0000', hash)).resolves.toBe(false);
    await expect(hasher.verify('correct horse', hash)).resolves.toBe(true);
  });

  it('never lets a lone surrogate pass as another character, although both hash as U+FFFD', async () => {
    const hash = await hasher.hash('correct horse\ud800');
    await expect(hasher.verify('correct horse\udbff', hash)).resolves.toBe(false);
    await expect(hasher.verify('correct horse\ud800', hash)).resolves.toBe(false);
  });

  it('salts every hash, so one password never hashes the same twice', async () => {
    const [first, second] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(first).not.toBe(second);
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const hash = await hasher.hash('caf\u00e9 au lait');
    await expect(hasher.verify('cafe\u0301 au lait', hash)).resolves.toBe(true);
  });

  it('verifies a hash made with other cost parameters, read from the hash itself', async () => {
    const salt = Buffer.alloc(16, 7);
    const key = scryptSync('old password', salt, 32, { N: 2 ** 10, r: 8, p: 1 });
    const legacy = `$scrypt$ln=10,r=8,p=1$${salt.toString('base64').replace(/=+$/, '')}$${key.toString('base64').replace(/=+$/, '')}`;
    await expect(hasher.verify('old password', legacy)).resolves.toBe(true);
    await expect(hasher.verify('new password', legacy)).resolves.toBe(false);
  });

  it('refuses to work on a stored hash that is corrupt or asks for absurd cost', async () => {
    await expect(hasher.verify('x', 'plain-text-password')).rejects.toThrow('PHC format');
    await expect(hasher.verify('x', '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toThrow(
      'out of bounds',
    );
  });
});
