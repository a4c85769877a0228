const TAR_BLOCK = 512;

/** One entry of an uncompressed tarball (names up to 100 characters, as PGlite writes them): its name and its blocks. */
interface TarEntry {
  name: string;
  /** Where its header starts, and where the blocks of its content end. */
  start: number;
  end: number;
  content: Buffer;
}

/** The entries of an uncompressed tarball, in order, up to its end-of-archive blocks. */
function* tarEntries(tar: Buffer): Generator<TarEntry> {
  for (let start = 0; start + TAR_BLOCK <= tar.length;) {
    const name = textOf(tar.subarray(start, start + 100));
    if (name === '') return;
    const size = parseInt(textOf(tar.subarray(start + 124, start + 136)).trim() || '0', 8);
    const end = start + TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
    yield { name, start, end, content: tar.subarray(start + TAR_BLOCK, start + TAR_BLOCK + size) };
    start = end;
  }
}

function textOf(field: Buffer): string {
  return field.toString('utf8').replace(/\0.*$/s, '');
}

/** The text of the file named `name` in an uncompressed tarball, if it holds one. */
export function fileInTar(tar: Buffer, name: string): string | undefined {
  for (const entry of tarEntries(tar)) if (entry.name === name) return entry.content.toString('utf8');
  return undefined;
}

/**
 * The tarball of a data folder without what stood at its top level under one of `names` (`/name` and all below it),
 * ended as a tarball ends: two empty blocks.
 */
export function tarWithout(tar: Buffer, names: ReadonlySet<string>): Buffer {
  const kept: Buffer[] = [];
  for (const entry of tarEntries(tar)) {
    const topLevel = entry.name.replace(/^\//, '').split('/')[0];
    if (!names.has(topLevel)) kept.push(tar.subarray(entry.start, entry.end));
  }
  return Buffer.concat([...kept, Buffer.alloc(2 * TAR_BLOCK)]);
}
