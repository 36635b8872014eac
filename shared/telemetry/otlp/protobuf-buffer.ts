/**
 * A growable protobuf write buffer reused across encodes. Length-delimited fields reserve one length byte and move
 * their content only when the length needs more (most span parts are under 128 bytes).
 */
export class ProtobufBuffer {
  bytes: Uint8Array<ArrayBuffer> = new Uint8Array(64 * 1024);
  pos = 0;
  /** bytes.length, kept as a plain field: checked on every write. */
  private limit = this.bytes.length;
  private dataView = new DataView(this.bytes.buffer);
  private readonly encoder = new TextEncoder();

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    if (this.pos + extra > this.limit) this.grow(this.pos + extra);
  }

  private grow(needed: number): void {
    let size = this.limit * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.limit = size;
    this.dataView = new DataView(grown.buffer);
  }

  byte(value: number): void {
    if (this.pos >= this.limit) this.grow(this.pos + 1);
    this.bytes[this.pos++] = value;
  }

  raw(value: Uint8Array): void {
    const length = value.length;
    if (this.pos + length > this.limit) this.grow(this.pos + length);
    if (length > 32) {
      this.bytes.set(value, this.pos);
      this.pos += length;
      return;
    }
    const bytes = this.bytes;
    let at = this.pos;
    for (let i = 0; i < length; i++) bytes[at++] = value[i] as number;
    this.pos = at;
  }

  /** Unsigned varint for 0 ≤ value < 2^32; larger and negative integers go through `varint64`. */
  varint32(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    while (v > 127) {
      this.bytes[this.pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.bytes[this.pos++] = v;
  }

  /** int64 as protobuf varint (two's complement for negatives, 10 bytes), for any safe integer. */
  varint64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) {
      this.varint32(value);
      return;
    }
    let low: number;
    let high: number;
    const abs = Math.abs(value);
    low = abs >>> 0;
    high = Math.floor(abs / 4294967296) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    this.ensure(10);
    while (high > 0 || low > 127) {
      this.bytes[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.bytes[this.pos++] = low & 127;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.dataView.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.ensure(8);
    this.dataView.setUint32(this.pos, low >>> 0, true);
    this.dataView.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.dataView.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** [seconds, nanoseconds] as fixed64 nanoseconds since the epoch, exact beyond 2^53. */
  hrTime(seconds: number, nanos: number): void {
    const lowSeconds = seconds & 0xffff;
    const highSeconds = (seconds / 65536) >>> 0;
    const fromLow = lowSeconds * 1e9;
    const fromHigh = highSeconds * 1e9;
    const low = (fromLow >>> 0) + ((((fromHigh & 0xffff) * 65536) >>> 0) + nanos);
    const high = Math.floor(fromLow / 4294967296) + ((fromHigh / 65536) >>> 0) + Math.floor(low / 4294967296);
    this.fixed64(low >>> 0, high >>> 0);
  }

  /** Starts a length-delimited field's content; returns what `end` needs. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  end(start: number): void {
    const length = this.pos - start - 1;
    if (length < 128) {
      this.bytes[start] = length;
      return;
    }
    const size = length < 16384 ? 2 : length < 2097152 ? 3 : length < 268435456 ? 4 : 5;
    this.ensure(size - 1);
    this.bytes.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    let at = start;
    let v = length;
    while (v > 127) {
      this.bytes[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.bytes[at] = v;
  }

  /** A length-prefixed UTF-8 string; short ASCII strings (almost every span string) skip the TextEncoder call. */
  string(value: string): void {
    const length = value.length;
    if (length < 128) {
      this.ensure(length + 1);
      const bytes = this.bytes;
      const start = this.pos;
      let at = start + 1;
      let i = 0;
      for (; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 128) break;
        bytes[at++] = c;
      }
      if (i === length) {
        bytes[start] = length;
        this.pos = at;
        return;
      }
    }
    this.ensure(length * 3 + 5);
    const start = this.begin();
    this.pos += this.encoder.encodeInto(value, this.bytes.subarray(this.pos)).written;
    this.end(start);
  }

  /** The 16 or 8 bytes a lower-case hex id stands for, length-prefixed. */
  hexId(hex: string): void {
    const size = hex.length >>> 1;
    this.ensure(size + 1);
    const bytes = this.bytes;
    bytes[this.pos++] = size;
    for (let i = 0; i < hex.length; i += 2) {
      bytes[this.pos++] = (nibble(hex.charCodeAt(i)) << 4) | nibble(hex.charCodeAt(i + 1));
    }
  }

  /** A copy of what was written since `reset`. */
  copy(from = 0): Uint8Array {
    return this.bytes.slice(from, this.pos);
  }
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return 0;
}
