import { headers } from 'nats';
import { MAX_REPLY_PARTS, REPLY_PART_HEADER, ReplyAssembly, replyParts } from './reply-parts';

describe('replyParts and ReplyAssembly', () => {
  const bytes = (length: number) => Uint8Array.from({ length }, (_, n) => n % 251);

  it('sends a reply that fits whole, with its headers as they are', () => {
    const carried = headers();
    carried.set('x-correlation-id', 'c-1');
    const parts = replyParts(bytes(1000), carried, 4096);
    expect(parts).toEqual([{ data: bytes(1000), headers: carried }]);
  });

  it('splits one that does not into parts that each fit, every part keeping the headers, and puts them back together in any order', () => {
    const carried = headers();
    carried.set('x-correlation-id', 'c-1');
    const data = bytes(10_000);
    const parts = replyParts(data, carried, 2048);

    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.data.length).toBeLessThan(2048);
      expect(part.headers?.get('x-correlation-id')).toBe('c-1');
    }
    const assembly = new ReplyAssembly();
    const [first, ...rest] = parts;
    for (const part of rest.reverse()) expect(assembly.add(part.headers!.get(REPLY_PART_HEADER), part.data)).toBeUndefined();
    expect(assembly.add(first.headers!.get(REPLY_PART_HEADER), first.data)).toEqual(Buffer.from(data));
  });

  it('refuses a reply that would take more parts than a caller may be asked to hold', () => {
    expect(() => replyParts(bytes(MAX_REPLY_PARTS * 1024), undefined, 1024)).toThrow(RangeError);
  });

  it.each(['0/2', '3/2', 'a/b', `1/${MAX_REPLY_PARTS + 1}`, '1'])('refuses a part marked %s', (header) => {
    expect(() => new ReplyAssembly().add(header, bytes(1))).toThrow(RangeError);
  });

  it('refuses a part of a reply counted otherwise than the first', () => {
    const assembly = new ReplyAssembly();
    assembly.add('1/3', bytes(1));
    expect(() => assembly.add('2/4', bytes(1))).toThrow(RangeError);
  });
});
