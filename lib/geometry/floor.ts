/**
 * Room floor area, deterministic (docs/method.md#scene-facts, room size: the reference
 * code samples random points without a seed; this does not sample).
 *
 * 1. Occupancy: mark each cell (side `cell` metres) of a grid on the XY plane
 *    that holds at least one mesh vertex (floor, walls and furniture alike:
 *    everything scanned stands inside the room) and, given the mesh's
 *    triangles, each cell whose centre their footprints cover: a decimated
 *    mesh such as ScanNet's `_vh_clean_2` has flat floors of few, large
 *    triangles, whose vertices alone leave gaps that an open doorway would
 *    let the fill below leak through. The grid is placed so the lowest x and
 *    y vertices sit at cell centres.
 * 2. Closing (a 3x3 dilation, then a 3x3 erosion) bridges gaps of one cell
 *    between vertices.
 * 3. Holes are filled: every cell not reachable from the grid's border through
 *    empty cells is inside the room (unscanned floor under furniture, say).
 * 4. Area of the polygon through the centres of the boundary cells: each
 *    2x2 block of cell centres counts 1 when all four are inside and 1/2 when
 *    three are. For an axis-aligned rectangle of N x M cells this is exactly
 *    (N-1)(M-1) cells: the boundary sits at the cell centres, which makes the
 *    estimate unbiased for walls that fall anywhere within their cells.
 */

export interface FloorAreaOptions {
  /** Grid cell side in metres (default 0.05). */
  cell?: number;
  /** The mesh's triangles: three vertex indices each. */
  triangles?: ArrayLike<number>;
}

export function floorArea(xyz: ArrayLike<number>, options: FloorAreaOptions = {}): number {
  const cell = options.cell ?? 0.05;
  const n = Math.floor(xyz.length / 3);
  if (n === 0) return 0;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xyz[3 * i]!;
    const y = xyz[3 * i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  // Cells are centred on the extreme vertices, so a wall there lies on the boundary's cell centres.
  minX -= cell / 2;
  minY -= cell / 2;
  const pad = 2;
  const width = Math.floor((maxX - minX) / cell) + 1 + 2 * pad;
  const height = Math.floor((maxY - minY) / cell) + 1 + 2 * pad;
  if (width * height > 64e6) throw new Error(`floorArea: grid of ${width}x${height} cells is too large; raise the cell size`);
  let grid: Uint8Array = new Uint8Array(width * height);
  // grid coordinates of vertex i: cell (floor(u), floor(v)) holds it
  const u = (i: number) => (xyz[3 * i]! - minX) / cell + pad;
  const v = (i: number) => (xyz[3 * i + 1]! - minY) / cell + pad;
  for (let i = 0; i < n; i++) grid[Math.floor(v(i)) * width + Math.floor(u(i))] = 1;
  const triangles = options.triangles ?? [];
  for (let t = 0; t + 2 < triangles.length; t += 3) {
    const corner = (k: number): Point => [u(triangles[t + k]!), v(triangles[t + k]!)];
    cover(grid, width, [corner(0), corner(1), corner(2)]);
  }
  grid = morph(morph(grid, width, height, 1), width, height, 0);
  const inside = fillHoles(grid, width, height);
  let blocks = 0;
  for (let y = 0; y + 1 < height; y++)
    for (let x = 0; x + 1 < width; x++) {
      const i = y * width + x;
      const count = inside[i]! + inside[i + 1]! + inside[i + width]! + inside[i + width + 1]!;
      if (count === 4) blocks += 1;
      else if (count === 3) blocks += 0.5;
    }
  return blocks * cell * cell;
}

type Point = [number, number];

/**
 * Mark the cells whose centre a triangle's footprint covers (corners in grid
 * units). Only centres: marking every cell an edge passes through would
 * widen walls by a cell and the area with them. A wall's triangles stand on
 * edge and cover none; its vertices mark it.
 */
function cover(grid: Uint8Array, width: number, [[ax, ay], [bx, by], [cx, cy]]: [Point, Point, Point]): void {
  const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  if (Math.abs(area) < 1e-9) return;
  const side = (px: number, py: number, qx: number, qy: number, x: number, y: number) => ((qx - px) * (y - py) - (qy - py) * (x - px)) * Math.sign(area);
  for (let y = Math.floor(Math.min(ay, by, cy)); y <= Math.max(ay, by, cy); y++)
    for (let x = Math.floor(Math.min(ax, bx, cx)); x <= Math.max(ax, bx, cx); x++) {
      const [px, py] = [x + 0.5, y + 0.5];
      if (side(ax, ay, bx, by, px, py) >= 0 && side(bx, by, cx, cy, px, py) >= 0 && side(cx, cy, ax, ay, px, py) >= 0) grid[y * width + x] = 1;
    }
}

/** 3x3 dilation (`value` 1) or erosion (`value` 0): a cell takes `value` when any neighbour has it. */
function morph(grid: Uint8Array, width: number, height: number, value: 0 | 1): Uint8Array {
  const out = grid.slice();
  for (let y = 1; y + 1 < height; y++)
    for (let x = 1; x + 1 < width; x++) {
      const i = y * width + x;
      if (grid[i] === value) continue;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++)
          if (grid[i + dy * width + dx] === value) {
            out[i] = value;
            dy = 2;
            break;
          }
    }
  return out;
}

/** Cells not reachable from the border through empty cells (4-connected) are inside. */
function fillHoles(grid: Uint8Array, width: number, height: number): Uint8Array {
  const outside = new Uint8Array(width * height);
  const stack: number[] = [];
  const push = (i: number) => {
    if (!grid[i] && !outside[i]) {
      outside[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < width; x++) {
    push(x);
    push((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    push(y * width);
    push(y * width + width - 1);
  }
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % width;
    if (x > 0) push(i - 1);
    if (x + 1 < width) push(i + 1);
    if (i >= width) push(i - width);
    if (i + width < width * height) push(i + width);
  }
  const inside = new Uint8Array(width * height);
  for (let i = 0; i < inside.length; i++) inside[i] = outside[i] ? 0 : 1;
  return inside;
}
