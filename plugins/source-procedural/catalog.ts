/**
 * What procedural rooms are furnished with: real ScanNet raw categories (as
 * in `scannetv2-labels.combined.tsv`) at realistic sizes (metres), the shape
 * each is built from, and where it goes.
 */

export type Range = readonly [number, number];

/** How an item is placed relative to the room and to items already placed. */
export type Placement =
  | { kind: 'wall' }
  | { kind: 'floor' }
  /** On a wall at a height: bottom edge between `bottom[0]` and `bottom[1]` metres. */
  | { kind: 'mounted'; bottom: Range }
  /** On top of an item of one of these raw categories. */
  | { kind: 'on'; support: readonly string[] }
  /** Facing an item of one of these raw categories, outside one of its sides (chairs at tables). */
  | { kind: 'at'; support: readonly string[] }
  /** Against the same wall as an item of these raw categories, beside it (nightstands by beds). */
  | { kind: 'beside'; support: readonly string[] };

/** Shapes: each is a small set of box or cylinder parts in the item's own frame. */
export type Shape = 'block' | 'table' | 'chair' | 'office-chair' | 'bed' | 'couch' | 'shelf' | 'cylinder' | 'plant' | 'panel' | 'monitor' | 'lamp' | 'toilet';

export type Finish = 'wood' | 'fabric' | 'plain' | 'metal' | 'glass' | 'paper';

export interface Item {
  /** Raw category string, exactly as ScanNet's aggregation files write it. */
  raw: string;
  /** Width (local x), depth (local y: the item faces local +y), height. */
  size: readonly [Range, Range, Range];
  shape: Shape;
  place: Placement;
  finish: Finish;
  palette: readonly (readonly [number, number, number])[];
}

const WOODS = [[150, 111, 72], [112, 78, 50], [186, 150, 108], [90, 62, 42]] as const;
const FABRICS = [[96, 112, 140], [140, 84, 72], [120, 128, 96], [170, 160, 140], [70, 70, 80]] as const;
const WHITES = [[226, 224, 218], [205, 208, 210], [236, 232, 220]] as const;
const DARKS = [[40, 40, 44], [58, 58, 64], [30, 32, 36]] as const;
const BRIGHTS = [[200, 70, 60], [60, 120, 190], [220, 180, 60], [90, 160, 90]] as const;

export const ITEMS: Record<string, Item> = Object.fromEntries(
  (
    [
      { raw: 'bed', size: [[1.4, 1.8], [1.95, 2.1], [0.45, 0.6]], shape: 'bed', place: { kind: 'wall' }, finish: 'fabric', palette: [...FABRICS, ...WHITES] },
      { raw: 'couch', size: [[1.8, 2.3], [0.85, 1.0], [0.75, 0.9]], shape: 'couch', place: { kind: 'wall' }, finish: 'fabric', palette: FABRICS },
      { raw: 'armchair', size: [[0.75, 0.9], [0.75, 0.9], [0.8, 1.0]], shape: 'couch', place: { kind: 'floor' }, finish: 'fabric', palette: FABRICS },
      { raw: 'chair', size: [[0.42, 0.5], [0.45, 0.52], [0.8, 0.95]], shape: 'chair', place: { kind: 'at', support: ['table', 'desk'] }, finish: 'wood', palette: [...WOODS, ...DARKS] },
      { raw: 'office chair', size: [[0.6, 0.68], [0.6, 0.68], [0.9, 1.1]], shape: 'office-chair', place: { kind: 'at', support: ['desk'] }, finish: 'fabric', palette: DARKS },
      { raw: 'table', size: [[1.2, 1.8], [0.75, 0.9], [0.72, 0.76]], shape: 'table', place: { kind: 'floor' }, finish: 'wood', palette: WOODS },
      { raw: 'coffee table', size: [[0.9, 1.2], [0.5, 0.7], [0.4, 0.46]], shape: 'table', place: { kind: 'floor' }, finish: 'wood', palette: WOODS },
      { raw: 'desk', size: [[1.2, 1.6], [0.6, 0.75], [0.72, 0.76]], shape: 'table', place: { kind: 'wall' }, finish: 'wood', palette: [...WOODS, ...WHITES] },
      { raw: 'nightstand', size: [[0.4, 0.55], [0.35, 0.45], [0.5, 0.65]], shape: 'block', place: { kind: 'beside', support: ['bed'] }, finish: 'wood', palette: WOODS },
      { raw: 'dresser', size: [[0.9, 1.4], [0.45, 0.55], [0.75, 1.0]], shape: 'block', place: { kind: 'wall' }, finish: 'wood', palette: [...WOODS, ...WHITES] },
      { raw: 'wardrobe closet', size: [[0.9, 1.4], [0.55, 0.62], [1.8, 2.0]], shape: 'block', place: { kind: 'wall' }, finish: 'wood', palette: [...WOODS, ...WHITES] },
      { raw: 'bookshelf', size: [[0.8, 1.2], [0.28, 0.38], [1.6, 2.0]], shape: 'shelf', place: { kind: 'wall' }, finish: 'wood', palette: WOODS },
      { raw: 'cabinet', size: [[0.6, 1.0], [0.4, 0.6], [0.8, 1.2]], shape: 'block', place: { kind: 'wall' }, finish: 'plain', palette: [...WHITES, ...WOODS] },
      { raw: 'file cabinet', size: [[0.4, 0.5], [0.5, 0.65], [0.7, 1.3]], shape: 'block', place: { kind: 'wall' }, finish: 'metal', palette: [[150, 154, 160], [90, 94, 100]] },
      { raw: 'kitchen cabinets', size: [[1.8, 3.0], [0.58, 0.62], [0.88, 0.92]], shape: 'block', place: { kind: 'wall' }, finish: 'plain', palette: [...WHITES, ...WOODS] },
      { raw: 'refrigerator', size: [[0.6, 0.8], [0.6, 0.72], [1.7, 1.9]], shape: 'block', place: { kind: 'wall' }, finish: 'metal', palette: [[230, 230, 232], [170, 172, 176]] },
      { raw: 'tv stand', size: [[1.0, 1.6], [0.4, 0.5], [0.45, 0.6]], shape: 'block', place: { kind: 'wall' }, finish: 'wood', palette: [...WOODS, ...DARKS] },
      { raw: 'toilet', size: [[0.38, 0.45], [0.65, 0.75], [0.75, 0.8]], shape: 'toilet', place: { kind: 'wall' }, finish: 'plain', palette: WHITES },
      { raw: 'trash can', size: [[0.25, 0.35], [0.25, 0.35], [0.35, 0.65]], shape: 'cylinder', place: { kind: 'floor' }, finish: 'plain', palette: [...DARKS, ...BRIGHTS] },
      { raw: 'plant', size: [[0.3, 0.5], [0.3, 0.5], [0.6, 1.15]], shape: 'plant', place: { kind: 'floor' }, finish: 'fabric', palette: [[60, 120, 60], [80, 140, 70], [50, 100, 55]] },
      { raw: 'stool', size: [[0.3, 0.4], [0.3, 0.4], [0.45, 0.75]], shape: 'cylinder', place: { kind: 'floor' }, finish: 'wood', palette: [...WOODS, ...DARKS] },
      { raw: 'box', size: [[0.3, 0.6], [0.3, 0.5], [0.2, 0.5]], shape: 'block', place: { kind: 'floor' }, finish: 'paper', palette: [[176, 140, 96], [196, 160, 112], [160, 124, 84]] },
      { raw: 'backpack', size: [[0.3, 0.35], [0.18, 0.25], [0.4, 0.5]], shape: 'block', place: { kind: 'floor' }, finish: 'fabric', palette: [...BRIGHTS, ...DARKS] },
      { raw: 'lamp', size: [[0.22, 0.35], [0.22, 0.35], [0.35, 0.6]], shape: 'lamp', place: { kind: 'on', support: ['nightstand', 'desk', 'dresser'] }, finish: 'plain', palette: [[240, 226, 190], [220, 220, 214]] },
      { raw: 'monitor', size: [[0.5, 0.7], [0.18, 0.24], [0.38, 0.5]], shape: 'monitor', place: { kind: 'on', support: ['desk'] }, finish: 'metal', palette: DARKS },
      { raw: 'tv', size: [[0.9, 1.3], [0.2, 0.26], [0.55, 0.8]], shape: 'monitor', place: { kind: 'on', support: ['tv stand', 'dresser'] }, finish: 'metal', palette: DARKS },
      { raw: 'pillow', size: [[0.45, 0.65], [0.3, 0.42], [0.12, 0.2]], shape: 'block', place: { kind: 'on', support: ['bed', 'couch', 'armchair'] }, finish: 'fabric', palette: [...WHITES, ...BRIGHTS] },
      { raw: 'door', size: [[0.8, 0.95], [0.04, 0.06], [2.0, 2.1]], shape: 'panel', place: { kind: 'mounted', bottom: [0, 0] }, finish: 'wood', palette: [...WOODS, ...WHITES] },
      { raw: 'window', size: [[0.9, 1.6], [0.05, 0.08], [1.0, 1.4]], shape: 'panel', place: { kind: 'mounted', bottom: [0.8, 1.0] }, finish: 'glass', palette: [[170, 200, 220], [150, 185, 210]] },
      { raw: 'picture', size: [[0.4, 0.9], [0.03, 0.04], [0.3, 0.7]], shape: 'panel', place: { kind: 'mounted', bottom: [1.2, 1.45] }, finish: 'paper', palette: BRIGHTS },
      { raw: 'whiteboard', size: [[1.2, 2.0], [0.03, 0.04], [0.9, 1.2]], shape: 'panel', place: { kind: 'mounted', bottom: [0.85, 1.0] }, finish: 'plain', palette: [[244, 244, 242]] },
      { raw: 'mirror', size: [[0.4, 0.6], [0.02, 0.03], [0.6, 0.9]], shape: 'panel', place: { kind: 'mounted', bottom: [1.0, 1.2] }, finish: 'glass', palette: [[200, 210, 215]] },
      { raw: 'radiator', size: [[0.8, 1.4], [0.08, 0.12], [0.5, 0.7]], shape: 'block', place: { kind: 'wall' }, finish: 'metal', palette: WHITES },
    ] satisfies Item[]
  ).map((item) => [item.raw, item]),
);

/** A room type: ScanNet's `sceneType` and the items it is furnished with, as [raw category, min count, max count]. */
export interface RoomType {
  sceneType: string;
  items: readonly (readonly [string, number, number])[];
  wall: readonly (readonly [number, number, number])[];
  floor: readonly (readonly [number, number, number])[];
}

export const ROOM_TYPES: readonly RoomType[] = [
  {
    sceneType: 'Bedroom / Hotel',
    items: [['bed', 1, 1], ['wardrobe closet', 0, 1], ['dresser', 0, 1], ['desk', 0, 1], ['nightstand', 1, 2], ['chair', 0, 1], ['door', 1, 1], ['window', 1, 2], ['picture', 0, 2], ['lamp', 1, 2], ['pillow', 1, 2], ['trash can', 0, 1], ['backpack', 0, 1], ['box', 0, 1]],
    wall: [[214, 206, 190], [190, 200, 210], [222, 216, 204]],
    floor: [[150, 110, 76], [120, 90, 64], [170, 150, 120]],
  },
  {
    sceneType: 'Office',
    items: [['desk', 2, 3], ['bookshelf', 1, 2], ['file cabinet', 0, 1], ['cabinet', 0, 1], ['office chair', 2, 3], ['door', 1, 1], ['window', 1, 2], ['whiteboard', 0, 1], ['monitor', 1, 3], ['trash can', 1, 2], ['plant', 0, 1], ['box', 0, 2], ['backpack', 0, 1]],
    wall: [[220, 220, 214], [200, 204, 196], [228, 224, 214]],
    floor: [[120, 124, 128], [96, 100, 110], [140, 134, 120]],
  },
  {
    sceneType: 'Living room / Lounge',
    items: [['couch', 1, 1], ['tv stand', 1, 1], ['bookshelf', 0, 1], ['coffee table', 1, 1], ['armchair', 1, 2], ['door', 1, 1], ['window', 1, 2], ['picture', 1, 2], ['tv', 1, 1], ['pillow', 1, 2], ['plant', 1, 2], ['box', 0, 1], ['stool', 0, 1]],
    wall: [[210, 200, 184], [196, 206, 196], [220, 210, 196]],
    floor: [[160, 120, 84], [136, 104, 76], [180, 164, 140]],
  },
  {
    sceneType: 'Kitchen',
    items: [['kitchen cabinets', 1, 2], ['refrigerator', 1, 1], ['table', 1, 1], ['radiator', 0, 1], ['chair', 2, 4], ['door', 1, 1], ['window', 1, 1], ['picture', 0, 1], ['trash can', 1, 1], ['stool', 0, 2], ['box', 0, 1]],
    wall: [[230, 226, 214], [214, 222, 226], [236, 230, 210]],
    floor: [[200, 196, 186], [170, 170, 166], [150, 140, 126]],
  },
  {
    sceneType: 'Conference Room',
    items: [['table', 1, 1], ['cabinet', 0, 1], ['radiator', 0, 1], ['chair', 4, 6], ['door', 1, 1], ['window', 1, 2], ['whiteboard', 1, 1], ['picture', 0, 1], ['trash can', 1, 1], ['plant', 0, 1]],
    wall: [[214, 214, 210], [204, 208, 214]],
    floor: [[110, 112, 120], [130, 120, 110]],
  },
  {
    sceneType: 'Bathroom',
    items: [['toilet', 1, 1], ['cabinet', 1, 1], ['radiator', 0, 1], ['door', 1, 1], ['window', 0, 1], ['mirror', 1, 1], ['trash can', 1, 1], ['box', 0, 1]],
    wall: [[226, 230, 232], [214, 226, 230]],
    floor: [[190, 192, 196], [170, 176, 184]],
  },
];
