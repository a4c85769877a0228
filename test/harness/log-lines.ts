import { Writable } from 'node:stream';

/** A destination for a logger that keeps every line written to it, for a spec to read back. */
export interface CapturedLogLines {
  destination: Writable;
  /** The lines as written. */
  lines: string[];
  /** The lines parsed, as a log shipper reads JSON lines. */
  records(): Record<string, unknown>[];
}

export function captureLogLines(): CapturedLogLines {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { destination, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
