/**
 * A JPEG checked without decoding it: the start-of-image marker, a frame
 * header (SOF) with the image size before the scan data, and the
 * end-of-image marker near the end (a file cut short has none: inside
 * entropy-coded data 0xFF is always followed by 0x00 or a restart marker).
 */

/** SOF0..SOF15 carry the frame size; 0xC4 (DHT), 0xC8 (JPG) and 0xCC (DAC) share the range but do not. */
const isFrameHeader = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** Markers without a length field. */
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);

/** How far from the end the end-of-image marker may sit (some writers pad). */
const TAIL = 1024;

/**
 * The width and height a JPEG declares; throws an Error saying what is wrong
 * when the bytes are not a whole JPEG (callers add the file's name).
 */
export function jpegSize(bytes: Uint8Array): { width: number; height: number } {
  if (bytes.length === 0) throw new Error('empty file (0 bytes)');
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('not a JPEG (no start-of-image marker)');
  let size: { width: number; height: number } | undefined;
  for (let o = 2; !size; ) {
    if (o + 4 > bytes.length) throw new Error(`truncated JPEG header (${bytes.length} bytes)`);
    if (bytes[o] !== 0xff) throw new Error(`not a JPEG (no marker at byte ${o})`);
    const marker = bytes[o + 1]!;
    if (marker === 0xff) {
      o++;
      continue;
    }
    if (isStandalone(marker)) {
      o += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) throw new Error('not a JPEG (image data before any frame header)');
    const length = (bytes[o + 2]! << 8) | bytes[o + 3]!;
    if (isFrameHeader(marker)) {
      if (o + 9 > bytes.length) throw new Error(`truncated JPEG header (${bytes.length} bytes)`);
      size = { height: (bytes[o + 5]! << 8) | bytes[o + 6]!, width: (bytes[o + 7]! << 8) | bytes[o + 8]! };
      if (!size.width || !size.height) throw new Error(`JPEG frame header gives the size ${size.width}x${size.height}`);
    }
    if (length < 2) throw new Error(`not a JPEG (segment length ${length} at byte ${o})`);
    o += 2 + length;
  }
  let end = bytes.length - 2;
  while (end >= Math.max(0, bytes.length - TAIL) && !(bytes[end] === 0xff && bytes[end + 1] === 0xd9)) end--;
  if (end < Math.max(0, bytes.length - TAIL)) throw new Error(`truncated JPEG (no end-of-image marker; ${bytes.length} bytes)`);
  return size;
}
