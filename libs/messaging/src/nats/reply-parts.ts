import { headers as natsHeaders, type MsgHdrs } from 'nats';

/**
 * The header that marks one part of a reply sent in several (`<n>/<count>`):
 * NATS refuses a message larger than the server's max_payload (1 MB by
 * default), which a page of large orders can pass, while every other
 * transport carries it whole.
 */
export const REPLY_PART_HEADER = 'Tessera-Reply-Part';

/** Room left in each part for its headers: the part header, and whatever the serializer put on the reply. */
const HEADER_ROOM_BYTES = 512;

/** More parts than this is a reply no caller should hold in memory: at 1 MB a part, 256 MB. */
export const MAX_REPLY_PARTS = 256;

/** A reply's payload and headers, as they are published: whole when they fit in `maxPayload`, else in parts. */
export function replyParts(data: Uint8Array, headers: MsgHdrs | undefined, maxPayload: number): { data: Uint8Array; headers?: MsgHdrs }[] {
  const headerBytes = headers ? encodedLength(headers) : 0;
  if (data.length + headerBytes <= maxPayload) return [{ data, headers }];
  const partBytes = maxPayload - headerBytes - HEADER_ROOM_BYTES;
  const count = Math.ceil(data.length / partBytes);
  if (count > MAX_REPLY_PARTS)
    throw new RangeError(`A reply of ${data.length} bytes would take ${count} parts of ${partBytes} bytes (at most ${MAX_REPLY_PARTS})`);
  return Array.from({ length: count }, (_, index) => {
    const partHeaders = natsHeaders();
    for (const key of headers?.keys() ?? []) for (const value of headers!.values(key)) partHeaders.append(key, value);
    partHeaders.set(REPLY_PART_HEADER, `${index + 1}/${count}`);
    return { data: data.subarray(index * partBytes, (index + 1) * partBytes), headers: partHeaders };
  });
}

/** The parts of one reply as they come, whole once the last has. */
export class ReplyAssembly {
  private parts?: Uint8Array[];
  private received = 0;

  /** Takes the part `header` names; answers the whole reply once every part has come, undefined until then. */
  add(header: string, data: Uint8Array): Uint8Array | undefined {
    const [index, count] = header.split('/').map(Number);
    if (!Number.isInteger(count) || count < 1 || count > MAX_REPLY_PARTS || !Number.isInteger(index) || index < 1 || index > count)
      throw new RangeError(`A reply part marked "${header}" is not one of at most ${MAX_REPLY_PARTS}`);
    this.parts ??= new Array<Uint8Array>(count);
    if (this.parts.length !== count) throw new RangeError(`A reply part marked "${header}" belongs to a reply of ${this.parts.length} parts`);
    if (!this.parts[index - 1]) this.received++;
    this.parts[index - 1] = data;
    return this.received === count ? Buffer.concat(this.parts) : undefined;
  }
}

/** The bytes `headers` take on the wire (`NATS/1.0\r\n`, a `key: value\r\n` line each, `\r\n`), as NATS counts them. */
function encodedLength(headers: MsgHdrs): number {
  let length = 'NATS/1.0\r\n\r\n'.length;
  for (const key of headers.keys()) for (const value of headers.values(key)) length += Buffer.byteLength(`${key}: ${value}\r\n`);
  return length;
}
