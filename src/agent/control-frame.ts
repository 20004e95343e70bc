import ipaddr from 'ipaddr.js';

/** Operations of the shim's control connection (docs/wire-protocol.md). */
export const Op = { hello: 0x01, connect: 0x02, resolve: 0x03, reverse: 0x04, peer: 0x05, udpRoute: 0x06, udpRelease: 0x07, udpLookup: 0x0a, step: 0x0b, proxies: 0x0c, note: 0x0d, resume: 0x0e, verdict: 0x0f } as const;
/** The `len` field's limit: kind (1) + request id (4) + body (at most MAX_BODY). */
export const MAX_BODY = 1023;
export const ID_LEN = 4;
export const MAX_FRAME = 1 + ID_LEN + MAX_BODY;

export interface Frame {
  kind: number;
  /** The request id: a response carries its request's (docs/wire-protocol.md). */
  id: number;
  body: Buffer;
}

/** Splits the control stream into frames: `len u16be | kind | id u32be | body`. Sans-IO. */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  /** Frames completed by this chunk; throws on a length the protocol forbids. */
  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buffer.length >= 2) {
      const len = this.buffer.readUInt16BE(0);
      if (len < 1 + ID_LEN || len > MAX_FRAME) throw new Error(`bad control frame length ${len}`);
      if (this.buffer.length < 2 + len) break;
      frames.push({ kind: this.buffer[2]!, id: this.buffer.readUInt32BE(3), body: Buffer.from(this.buffer.subarray(3 + ID_LEN, 2 + len)) });
      this.buffer = this.buffer.subarray(2 + len);
    }
    return frames;
  }
}

/** A frame; `id` 0 is stamped later with stampFrameId (the server answers with the request's). */
export function encodeFrame(kind: number, body: Buffer = Buffer.alloc(0), id = 0): Buffer {
  if (body.length > MAX_BODY) throw new Error(`control frame body of ${body.length} bytes`);
  const out = Buffer.alloc(3 + ID_LEN + body.length);
  out.writeUInt16BE(1 + ID_LEN + body.length, 0);
  out[2] = kind;
  out.writeUInt32BE(id >>> 0, 3);
  body.copy(out, 3 + ID_LEN);
  return out;
}

/** Writes the request id into an encoded frame (in place) and returns it. */
export function stampFrameId(frame: Buffer, id: number): Buffer {
  frame.writeUInt32BE(id >>> 0, 3);
  return frame;
}

export interface WireIp {
  family: 4 | 6;
  /** Canonical text form (v4-mapped IPv6 stays IPv6 here; callers unmap where it matters). */
  host: string;
}

/** `fam u8 | 4 or 16 bytes`, at offset; returns the address and the bytes used. */
export function decodeWireIp(buf: Buffer, offset: number): { ip: WireIp; length: number } {
  const fam = buf[offset];
  const size = fam === 4 ? 4 : fam === 6 ? 16 : -1;
  if (size < 0 || buf.length < offset + 1 + size) throw new Error('bad address in control frame');
  const bytes = Array.from(buf.subarray(offset + 1, offset + 1 + size));
  return { ip: { family: fam as 4 | 6, host: ipaddr.fromByteArray(bytes).toString() }, length: 1 + size };
}

/** decodeWireIp() as an ipaddr.js address, with no text form built or parsed. */
export function decodeWireIpParsed(buf: Buffer, offset: number): { ip: ipaddr.IPv4 | ipaddr.IPv6; length: number } {
  const fam = buf[offset];
  const size = fam === 4 ? 4 : fam === 6 ? 16 : -1;
  if (size < 0 || buf.length < offset + 1 + size) throw new Error('bad address in control frame');
  const bytes: number[] = new Array(size);
  for (let i = 0; i < size; i++) bytes[i] = buf[offset + 1 + i]!;
  return { ip: ipaddr.fromByteArray(bytes), length: 1 + size };
}

export function encodeWireIp(host: string): Buffer {
  const bytes = ipaddr.parse(host).toByteArray();
  return Buffer.from([bytes.length === 4 ? 4 : 6, ...bytes]);
}
