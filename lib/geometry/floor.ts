/**
 * Room floor area, deterministic (docs/method.md#scene-facts, room size: the reference
 * code samples random points without a seed; this does not sample).
 *
 * 1. Occupancy: mark each cell (side `cell` metres) of a grid on the XY plane
 *    that holds at least one mesh vertex (floor, walls and furniture alike:
 *    everything scanned stands inside the room). The grid is placed so the
 *    lowest x and y vertices sit at cell centres.
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
  for (let i = 0; i < n; i++) {
    const gx = Math.floor((xyz[3 * i]! - minX) / cell) + pad;
    const gy = Math.floor((xyz[3 * i + 1]! - minY) / cell) + pad;
    grid[gy * width + gx] = 1;
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
