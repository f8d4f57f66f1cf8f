/**
 * Objects of a scan: mesh vertices grouped by the over-segmentation
 * (`*.segs.json`: one segment id per vertex) and the instance annotation
 * (`*.aggregation.json`: segGroups of segments with an objectId and a raw
 * label), named through the label map.
 */
import { basename } from 'node:path';
import type { SceneObject, Vec3 } from '../../core/index.ts';
import { evenSubset, fitOrientedBox, roundTo } from '../geometry/index.ts';
import { SceneError } from './errors.ts';
import type { LabelMap } from './label-map.ts';

export interface SegGroup {
  objectId: number;
  label: string;
  segments: number[];
}

/** One object with the surface samples its visibility is measured on. */
export interface ObjectSamples {
  object: SceneObject;
  /** Packed world xyz of at most `samplesPerObject` of its vertices. */
  samples: Float32Array;
}

export function parseJson(text: string, scene: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SceneError(scene, file, `malformed JSON (${(error as Error).message})`, { cause: error });
  }
}

/** `segIndices` of a segs.json, checked against the mesh's vertex count. */
export function readSegIndices(json: unknown, vertexCount: number, scene: string, file: string): Int32Array {
  const indices = (json as { segIndices?: unknown } | null)?.segIndices;
  if (!Array.isArray(indices)) throw new SceneError(scene, file, 'no segIndices array');
  if (indices.length !== vertexCount)
    throw new SceneError(scene, file, `segIndices has ${indices.length} entries but the mesh has ${vertexCount} vertices`);
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!Number.isInteger(v)) throw new SceneError(scene, file, `segIndices[${i}] is ${JSON.stringify(v)}, not an integer`);
    out[i] = v as number;
  }
  return out;
}

/**
 * An aggregation's `segmentsFile` ("scannet.<scene>_vh_clean_2.0.010000.segs.json")
 * must name the segs file read with it: ScanNet also ships a `_vh_clean`
 * aggregation over `_vh_clean.segs.json`, and segment ids of one read against
 * the other give wrong objects and no other error. An absent field is not checked.
 */
export function checkSegmentsFile(json: unknown, segs: string, scene: string, file: string): void {
  const named = (json as { segmentsFile?: unknown } | null)?.segmentsFile;
  if (typeof named === 'string' && basename(named).replace(/^scannet\./, '') !== basename(segs))
    throw new SceneError(scene, file, `segmentsFile is ${named}, not ${basename(segs)}, the segments read with it: its segment ids would give wrong objects`);
}

export function readSegGroups(json: unknown, scene: string, file: string): SegGroup[] {
  const groups = (json as { segGroups?: unknown } | null)?.segGroups;
  if (!Array.isArray(groups)) throw new SceneError(scene, file, 'no segGroups array');
  return groups.map((g, i) => {
    const group = g as Partial<SegGroup> | null;
    if (!group || !Number.isInteger(group.objectId)) throw new SceneError(scene, file, `segGroups[${i}].objectId is missing or not an integer`);
    if (typeof group.label !== 'string') throw new SceneError(scene, file, `segGroups[${i}].label is missing or not a string`);
    if (!Array.isArray(group.segments) || !group.segments.every(Number.isInteger))
      throw new SceneError(scene, file, `segGroups[${i}].segments is missing or not a list of integers`);
    return { objectId: group.objectId!, label: group.label, segments: group.segments };
  });
}

const round6 = (v: number) => roundTo(v, 6);

/**
 * Build the objects from aligned vertex positions. Category = the label
 * map's `category` for the raw label; a raw label the map lacks keeps its
 * own string (reported in `notes`).
 */
export function buildObjects(
  positions: Float32Array,
  segIndices: Int32Array,
  groups: SegGroup[],
  labels: LabelMap,
  samplesPerObject: number,
): { objects: ObjectSamples[]; notes: string[] } {
  const notes: string[] = [];
  const objectOfSegment = new Map<number, number>();
  const shared: number[] = [];
  groups.forEach((group, g) => {
    for (const segment of group.segments) {
      if (objectOfSegment.has(segment)) shared.push(segment);
      else objectOfSegment.set(segment, g);
    }
  });
  if (shared.length) notes.push(`${shared.length} segment(s) belong to more than one segGroup; the first group keeps them`);
  const counts = new Int32Array(groups.length);
  const owner = new Int32Array(segIndices.length).fill(-1);
  for (let v = 0; v < segIndices.length; v++) {
    const g = objectOfSegment.get(segIndices[v]!);
    if (g !== undefined) {
      owner[v] = g;
      counts[g]!++;
    }
  }
  const members = groups.map((_, g) => new Uint32Array(counts[g]!));
  const fill = new Int32Array(groups.length);
  for (let v = 0; v < owner.length; v++) {
    const g = owner[v]!;
    if (g >= 0) members[g]![fill[g]!++] = v;
  }
  const unknown = new Set<string>();
  const empty: number[] = [];
  const objects: ObjectSamples[] = [];
  const order = groups.map((group, g) => ({ group, g })).sort((a, b) => a.group.objectId - b.group.objectId || a.g - b.g);
  for (const { group, g } of order) {
    const vertices = members[g]!;
    if (vertices.length === 0) {
      empty.push(group.objectId);
      continue;
    }
    const points = new Float32Array(vertices.length * 3);
    const sum = [0, 0, 0];
    vertices.forEach((v, i) => {
      for (let k = 0; k < 3; k++) {
        const value = positions[3 * v + k]!;
        points[3 * i + k] = value;
        sum[k]! += value;
      }
    });
    const box = fitOrientedBox(points);
    const category = labels.categoryOf(group.label);
    if (category === undefined) unknown.add(group.label);
    const keep = evenSubset(vertices.length, samplesPerObject);
    const samples = new Float32Array(keep.length * 3);
    keep.forEach((i, j) => samples.set(points.subarray(3 * i, 3 * i + 3), 3 * j));
    objects.push({
      object: {
        id: group.objectId,
        category: category ?? group.label,
        rawCategory: group.label,
        centroid: sum.map((s) => round6(s / vertices.length)) as Vec3,
        box: { center: box.center.map(round6) as Vec3, size: box.size.map(round6) as Vec3, yaw: round6(box.yaw) },
        pointCount: vertices.length,
      },
      samples,
    });
  }
  if (unknown.size) notes.push(`raw label(s) not in the label map, kept as their own category: ${[...unknown].join(', ')}`);
  if (empty.length) notes.push(`object(s) ${empty.join(', ')} have no mesh vertices and were left out`);
  return { objects, notes };
}
