/**
 * TensorBoard event files, encoded by hand from the published formats:
 *
 * - The file is a TFRecord stream: per record, the data length as uint64
 *   little-endian, the masked CRC-32C of those 8 bytes (uint32 LE), the data,
 *   the masked CRC-32C of the data (uint32 LE). Masking: rotate the CRC right
 *   by 15 bits and add 0xa282ead8 (mod 2^32).
 * - Each record is a serialized `tensorflow.Event` protobuf: wall_time
 *   (field 1, double), step (2, int64), and one of file_version (3, string;
 *   "brain.Event:2" in the first record of a file) or summary (5, Summary).
 *   A Summary holds repeated Value (field 1); a scalar Value is tag (1,
 *   string) and simple_value (2, float).
 */

// -- CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) ------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export const maskedCrc32c = (bytes: Uint8Array): number => {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
};

/** One TFRecord: length, its masked CRC, the data, the data's masked CRC. */
export function tfRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

// -- protobuf wire format (the few field types an Event needs) ------------

const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

const key = (field: number, wire: number) => varint(BigInt((field << 3) | wire));

function bytesField(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(key(field, WIRE.bytes)), Buffer.from(varint(BigInt(bytes.length))), bytes]);
}

function doubleField(field: number, value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeDoubleLE(value);
  return Buffer.concat([Buffer.from(key(field, WIRE.fixed64)), out]);
}

function floatField(field: number, value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeFloatLE(value);
  return Buffer.concat([Buffer.from(key(field, WIRE.fixed32)), out]);
}

const int64Field = (field: number, value: number) => Buffer.from([...key(field, WIRE.varint), ...varint(BigInt(Math.trunc(value)))]);

// -- events ----------------------------------------------------------------

export const FILE_VERSION = 'brain.Event:2';

/** The first event of a file: its wall time and `file_version`. */
export function fileVersionEvent(wallTime: number): Buffer {
  return Buffer.concat([doubleField(1, wallTime), int64Field(2, 0), bytesField(3, Buffer.from(FILE_VERSION, 'utf8'))]);
}

/** An event holding scalar summaries (tag -> value) at one step. */
export function scalarEvent(wallTime: number, step: number, scalars: [tag: string, value: number][]): Buffer {
  const values = scalars.map(([tag, value]) => bytesField(1, Buffer.concat([bytesField(1, Buffer.from(tag, 'utf8')), floatField(2, value)])));
  return Buffer.concat([doubleField(1, wallTime), int64Field(2, step), bytesField(5, Buffer.concat(values))]);
}

// -- reading back what this module wrote ------------------------------------

/** One complete, CRC-checked record of an event file: its byte offset, step and summary tags. */
export interface EventRecord {
  offset: number;
  step: number;
  tags: string[];
}

/** Protobuf fields of one message: field number -> raw value (varint as bigint, bytes as Buffer). */
function fields(bytes: Buffer): [number, bigint | Buffer][] {
  const out: [number, bigint | Buffer][] = [];
  let i = 0;
  const varintAt = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[i++];
      if (byte === undefined) throw new Error('truncated varint');
      value |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
  };
  while (i < bytes.length) {
    const tag = Number(varintAt());
    const wire = tag & 7;
    if (wire === WIRE.varint) out.push([tag >> 3, varintAt()]);
    else if (wire === WIRE.bytes) {
      const length = Number(varintAt());
      out.push([tag >> 3, bytes.subarray(i, i + length)]);
      i += length;
    } else i += wire === WIRE.fixed64 ? 8 : wire === WIRE.fixed32 ? 4 : Infinity;
  }
  if (i > bytes.length) throw new Error('truncated field');
  return out;
}

/**
 * The records of an event file up to the first incomplete or corrupt one
 * (a killed writer), and the length of that valid prefix.
 */
export function readRecords(file: Buffer): { records: EventRecord[]; validLength: number } {
  const records: EventRecord[] = [];
  let offset = 0;
  while (offset + 12 <= file.length) {
    const length = Number(file.readBigUInt64LE(offset));
    const end = offset + 12 + length + 4;
    if (end > file.length || file.readUInt32LE(offset + 8) !== maskedCrc32c(file.subarray(offset, offset + 8))) break;
    const data = file.subarray(offset + 12, offset + 12 + length);
    if (file.readUInt32LE(offset + 12 + length) !== maskedCrc32c(data)) break;
    try {
      const event = fields(data);
      const step = Number(event.find(([n]) => n === 2)?.[1] ?? 0n);
      const summary = event.find(([n]) => n === 5)?.[1];
      const tags = summary instanceof Buffer
        ? fields(summary).flatMap(([n, value]) => (n === 1 && value instanceof Buffer ? fields(value).filter(([m]) => m === 1).map(([, t]) => String(t)) : []))
        : [];
      records.push({ offset, step, tags });
    } catch {
      break;
    }
    offset = end;
  }
  return { records, validLength: offset };
}
