import { fileInTar, tarWithout } from './cluster-tar';

/** A tarball as PGlite's dump writes one: a 512-byte header an entry (name, octal size), then its content in blocks. */
function tarOf(entries: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(entries)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 'utf8');
    header.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124, 'utf8');
    blocks.push(header, Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512));
    blocks[blocks.length - 1].write(content, 0, 'utf8');
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

describe("a data folder's tarball", () => {
  const folder = tarOf({
    '/PG_VERSION': '18\n',
    '/base/1/112': 'x'.repeat(700),
    '/tessera.lock': '4242\n',
    '/tessera.lock.99.stale': '17\n',
    '/postgresql.conf': 'listen_addresses = ""\n',
  });

  it('reads a file by its name', () => {
    expect(fileInTar(folder, '/PG_VERSION')).toBe('18\n');
    expect(fileInTar(folder, '/base/1/112')).toBe('x'.repeat(700));
    expect(fileInTar(folder, '/missing')).toBeUndefined();
  });

  it('leaves out what stood at the top level under the names given, and keeps the rest whole', () => {
    const cluster = tarWithout(folder, new Set(['tessera.lock']));
    expect(fileInTar(cluster, '/tessera.lock')).toBeUndefined();
    expect(fileInTar(cluster, '/tessera.lock.99.stale')).toBe('17\n');
    expect(fileInTar(cluster, '/PG_VERSION')).toBe('18\n');
    expect(fileInTar(cluster, '/base/1/112')).toBe('x'.repeat(700));
    expect(fileInTar(cluster, '/postgresql.conf')).toBe('listen_addresses = ""\n');
    expect(cluster.length % 512).toBe(0);
    expect(cluster.subarray(-1024).every((byte) => byte === 0)).toBe(true);
  });

  it('leaves a folder out with everything below it', () => {
    const cluster = tarWithout(folder, new Set(['base']));
    expect(fileInTar(cluster, '/base/1/112')).toBeUndefined();
    expect(fileInTar(cluster, '/PG_VERSION')).toBe('18\n');
  });
});
