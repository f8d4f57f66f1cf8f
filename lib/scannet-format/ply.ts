/**
 * PLY meshes as ScanNet ships them (`*_vh_clean_2.ply`): binary
 * little-endian, a `vertex` element with float x, y, z and uchar red, green,
 * blue, alpha, then a `face` element with `list uchar int vertex_indices`.
 * The reader accepts any property order and numeric types; it needs only the
 * vertices, but walks the faces to make sure the file is complete.
 */
import { SceneError } from './errors.ts';

const TYPES: Record<string, { size: number; read: (v: DataView, o: number) => number }> = {
  char: { size: 1, read: (v, o) => v.getInt8(o) },
  int8: { size: 1, read: (v, o) => v.getInt8(o) },
  uchar: { size: 1, read: (v, o) => v.getUint8(o) },
  uint8: { size: 1, read: (v, o) => v.getUint8(o) },
  short: { size: 2, read: (v, o) => v.getInt16(o, true) },
  int16: { size: 2, read: (v, o) => v.getInt16(o, true) },
  ushort: { size: 2, read: (v, o) => v.getUint16(o, true) },
  uint16: { size: 2, read: (v, o) => v.getUint16(o, true) },
  int: { size: 4, read: (v, o) => v.getInt32(o, true) },
  int32: { size: 4, read: (v, o) => v.getInt32(o, true) },
  uint: { size: 4, read: (v, o) => v.getUint32(o, true) },
  uint32: { size: 4, read: (v, o) => v.getUint32(o, true) },
  float: { size: 4, read: (v, o) => v.getFloat32(o, true) },
  float32: { size: 4, read: (v, o) => v.getFloat32(o, true) },
  double: { size: 8, read: (v, o) => v.getFloat64(o, true) },
  float64: { size: 8, read: (v, o) => v.getFloat64(o, true) },
};

interface Property {
  name: string;
  type: string;
  /** For list properties: the type of the count. */
  countType?: string;
}

interface Element {
  name: string;
  count: number;
  properties: Property[];
}

export interface PlyMesh {
  /** Packed x, y, z per vertex. */
  positions: Float32Array;
  /** Packed red, green, blue per vertex, when the file has colours. */
  colours?: Uint8Array;
  vertexCount: number;
  faceCount: number;
  /** Vertex indices, three per triangle (faces of more vertices fanned); empty when the faces are not in ScanNet's `list uchar <int>` layout. */
  triangles: Uint32Array;
}

/** Parse a binary little-endian PLY; errors name the scene and file. */
export function parsePly(bytes: Uint8Array, scene: string, file: string): PlyMesh {
  const fail = (problem: string): never => {
    throw new SceneError(scene, file, problem);
  };
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 4096)).toString('latin1');
  if (!head.startsWith('ply')) fail('not a PLY file (no "ply" magic)');
  const end = head.indexOf('end_header');
  if (end < 0) fail('PLY header has no end_header (truncated or not a PLY file)');
  const newline = head.indexOf('\n', end);
  if (newline < 0) fail('PLY header is truncated after end_header');
  const lines = head.slice(0, end).split(/\r?\n/).map((l) => l.trim());
  const format = lines.find((l) => l.startsWith('format '));
  if (format !== 'format binary_little_endian 1.0')
    fail(`expected "format binary_little_endian 1.0" (ScanNet's meshes), found "${format ?? 'no format line'}"`);
  const elements: Element[] = [];
  for (const line of lines) {
    const words = line.split(/\s+/);
    if (words[0] === 'element') elements.push({ name: words[1]!, count: /^\d+$/.test(words[2] ?? '') ? Number(words[2]) : NaN, properties: [] });
    else if (words[0] === 'property') {
      const element = elements.at(-1) ?? fail(`property before any element: "${line}"`);
      const property: Property = words[1] === 'list' ? { name: words[4]!, type: words[3]!, countType: words[2]! } : { name: words[2]!, type: words[1]! };
      for (const type of [property.type, property.countType]) if (type !== undefined && !TYPES[type]) fail(`unknown property type "${type}" in "${line}"`);
      element.properties.push(property);
    }
  }
  for (const element of elements) if (!Number.isInteger(element.count) || element.count < 0) fail(`element ${element.name} has a bad count`);
  const vertex = elements.find((e) => e.name === 'vertex') ?? fail('no vertex element');
  for (const axis of ['x', 'y', 'z']) if (!vertex.properties.some((p) => p.name === axis && !p.countType)) fail(`vertex element has no ${axis} property`);

  // Every element needs at least its fixed-size part per item: counts that cannot fit are an error before anything is sized by them.
  const body = bytes.length - (newline + 1);
  const minimum = elements.reduce((sum, e) => sum + e.count * e.properties.reduce((s, p) => s + TYPES[p.countType ?? p.type]!.size, 0), 0);
  if (minimum > body)
    fail(`the header claims ${elements.map((e) => `${e.count} ${e.name}`).join(', ')}, which need at least ${minimum} bytes after the header, and the file has ${body} (truncated, or a bad header)`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = newline + 1;
  const positions = new Float32Array(vertex.count * 3);
  const hasColour = ['red', 'green', 'blue'].every((c) => vertex.properties.some((p) => p.name === c));
  const colours = hasColour ? new Uint8Array(vertex.count * 3) : undefined;
  let faceCount = 0;
  let triangles: Uint32Array = new Uint32Array(0);
  for (const element of elements) {
    const fixed = element.properties.every((p) => !p.countType);
    if (fixed) {
      const stride = element.properties.reduce((sum, p) => sum + TYPES[p.type]!.size, 0);
      const need = offset + stride * element.count;
      if (need > bytes.length) fail(`truncated: element ${element.name} needs ${need} bytes, the file has ${bytes.length}`);
      if (element === vertex) readVertices(view, offset, element, positions, colours);
      offset = need;
    } else {
      if (element === vertex) fail('list properties on vertices are not supported');
      const faces = element.name === 'face' ? readTriangles(view, offset, element, vertex.count, fail) : undefined;
      if (faces) [triangles, offset] = [faces.triangles, faces.end];
      else offset = skipListElement(view, offset, element, fail);
    }
    if (element.name === 'face') faceCount = element.count;
  }
  return { positions, colours, vertexCount: vertex.count, faceCount, triangles };
}

/**
 * Triangles of a face element in ScanNet's layout (one `list uchar <int>`
 * property), a face of n > 3 vertices fanned into n - 2, and the offset after
 * the element; undefined for any other layout, or a truncated one (the walk
 * of `skipListElement` then names the problem). An index past the vertices is
 * an error.
 */
function readTriangles(
  view: DataView,
  offset: number,
  element: Element,
  vertexCount: number,
  fail: (problem: string) => never,
): { triangles: Uint32Array; end: number } | undefined {
  const [only] = element.properties;
  if (element.properties.length !== 1 || !only!.countType || TYPES[only!.countType]!.size !== 1) return undefined;
  const { size, read } = TYPES[only!.type]!;
  const out: number[] = [];
  for (let f = 0; f < element.count; f++) {
    if (offset >= view.byteLength) return undefined;
    const n = view.getUint8(offset);
    if (offset + 1 + n * size > view.byteLength) return undefined;
    const index = (k: number) => {
      const v = read(view, offset + 1 + k * size);
      if (!(v >= 0 && v < vertexCount)) fail(`face ${f} names vertex ${v}, the mesh has ${vertexCount}`);
      return v;
    };
    for (let k = 2; k < n; k++) out.push(index(0), index(k - 1), index(k));
    offset += 1 + n * size;
  }
  return { triangles: Uint32Array.from(out), end: offset };
}

/** Vertex positions (and colours) of a fixed-size vertex element starting at `offset`. */
function readVertices(view: DataView, offset: number, element: Element, positions: Float32Array, colours: Uint8Array | undefined): void {
  const stride = element.properties.reduce((sum, p) => sum + TYPES[p.type]!.size, 0);
  const at = (name: string) => {
    let o = 0;
    for (const p of element.properties) {
      if (p.name === name) return { offset: o, type: p.type };
      o += TYPES[p.type]!.size;
    }
    return undefined;
  };
  const axes = ['x', 'y', 'z'].map(at);
  axes.forEach((axis, k) => {
    const read = TYPES[axis!.type]!.read;
    const float = axis!.type === 'float' || axis!.type === 'float32';
    for (let i = 0, o = offset + axis!.offset; i < element.count; i++, o += stride)
      positions[3 * i + k] = float ? view.getFloat32(o, true) : read(view, o);
  });
  if (!colours) return;
  ['red', 'green', 'blue'].map(at).forEach((channel, k) => {
    const read = TYPES[channel!.type]!.read;
    for (let i = 0, o = offset + channel!.offset; i < element.count; i++, o += stride) colours[3 * i + k] = read(view, o);
  });
}

/** Walk an element with list properties (faces); returns the offset after it. */
function skipListElement(view: DataView, offset: number, element: Element, fail: (problem: string) => never): number {
  const length = view.byteLength;
  const [only] = element.properties;
  // ScanNet's faces: one `list uchar int` property.
  if (element.properties.length === 1 && only!.countType && TYPES[only!.countType]!.size === 1) {
    const size = TYPES[only!.type]!.size;
    for (let i = 0; i < element.count; i++) {
      if (offset >= length) fail(`truncated: ${element.name} ${i} of ${element.count} starts past the end of the file (${length} bytes)`);
      offset += 1 + view.getUint8(offset) * size;
    }
  } else
    for (let i = 0; i < element.count; i++)
      for (const p of element.properties) {
        const countType = p.countType ? TYPES[p.countType]! : undefined;
        if (offset + (countType?.size ?? TYPES[p.type]!.size) > length)
          fail(`truncated: ${element.name} ${i} of ${element.count} starts past the end of the file (${length} bytes)`);
        if (countType) offset += countType.size + countType.read(view, offset) * TYPES[p.type]!.size;
        else offset += TYPES[p.type]!.size;
      }
  if (offset > length) fail(`truncated: element ${element.name} ends at byte ${offset}, the file has ${length}`);
  return offset;
}

/**
 * A PLY in ScanNet's layout: float x, y, z, uchar red, green, blue, alpha
 * (255) per vertex; faces as `list uchar int vertex_indices` (triangles).
 */
export function encodePly(positions: Float32Array, colours: Uint8Array, triangles: Uint32Array): Buffer {
  const vertexCount = positions.length / 3;
  const faceCount = triangles.length / 3;
  const header =
    'ply\nformat binary_little_endian 1.0\ncomment spatial-ladder procedural scene\n' +
    `element vertex ${vertexCount}\nproperty float x\nproperty float y\nproperty float z\n` +
    'property uchar red\nproperty uchar green\nproperty uchar blue\nproperty uchar alpha\n' +
    `element face ${faceCount}\nproperty list uchar int vertex_indices\nend_header\n`;
  const head = Buffer.from(header, 'latin1');
  const out = Buffer.alloc(head.length + vertexCount * 16 + faceCount * 13);
  head.copy(out, 0);
  let o = head.length;
  for (let i = 0; i < vertexCount; i++, o += 16) {
    out.writeFloatLE(positions[3 * i]!, o);
    out.writeFloatLE(positions[3 * i + 1]!, o + 4);
    out.writeFloatLE(positions[3 * i + 2]!, o + 8);
    out[o + 12] = colours[3 * i]!;
    out[o + 13] = colours[3 * i + 1]!;
    out[o + 14] = colours[3 * i + 2]!;
    out[o + 15] = 255;
  }
  for (let f = 0; f < faceCount; f++, o += 13) {
    out[o] = 3;
    out.writeInt32LE(triangles[3 * f]!, o + 1);
    out.writeInt32LE(triangles[3 * f + 1]!, o + 5);
    out.writeInt32LE(triangles[3 * f + 2]!, o + 9);
  }
  return out;
}
