/**
 * The swapped control: every row asked with the frames of another row, of
 * the same modality (and as many media where it can), from another scene.
 * Blank frames (the blind control) are a kind of input no training showed;
 * swapped frames are ordinary frames of the wrong room. A checkpoint that
 * scores as well with them reads nothing from its frames that belongs to the
 * room asked about, however much it may lose on blank ones.
 */
import { ControlUnavailable } from '../../core/index.ts';

/** What pairing needs of a row: its id, scene, modality and media. */
export interface SwappableRow {
  id: string;
  scene?: string;
  modality?: string;
  media?: string[];
}

/** Rows in benchmark order and each row's position among them. */
class Group<R extends SwappableRow> {
  readonly rows: R[] = [];
  readonly at = new Map<R, number>();
  add(row: R) {
    this.at.set(row, this.rows.push(row) - 1);
  }
  /** The first row of another scene from `row`'s position + ceil(n / 2) on (cyclically). */
  farOther(row: R): R | undefined {
    const n = this.rows.length;
    const i = this.at.get(row)!;
    for (let k = 0; k < n; k++) {
      const other = this.rows[(i + Math.ceil(n / 2) + k) % n]!;
      if (other.scene !== row.scene) return other;
    }
    return undefined;
  }
}

/**
 * Row id -> the row of `pool` (default: `rows`; a benchmark's every row when
 * only a subset is asked) whose frames it is asked with. The pool is grouped
 * by modality and media count, in benchmark order; a row takes the first row
 * of another scene half its group away (`farOther`), so partners lie far
 * apart and the pairing is the same on every run. A row whose group shows
 * one scene looks among all rows of its modality. Throws naming the first
 * row that has no scene (an Error), or no row of another scene of its
 * modality (ControlUnavailable).
 */
export function swapPartners<R extends SwappableRow>(rows: readonly R[], benchmark: string, pool: readonly R[] = rows): Map<string, R> {
  const groups = new Map<string, Group<R>>();
  const keys = (row: R) => [`${row.modality ?? ''}/${row.media?.length ?? 0}`, `${row.modality ?? ''}`];
  for (const row of new Set([...pool, ...rows])) {
    if (!row.scene) throw new Error(`${benchmark} row ${row.id}: no scene, so the swapped control cannot choose frames of another room (the benchmark must give each row its scene)`);
    for (const key of keys(row)) {
      if (!groups.has(key)) groups.set(key, new Group());
      groups.get(key)!.add(row);
    }
  }
  const partners = new Map<string, R>();
  for (const row of rows) {
    const [sameCount, sameModality] = keys(row).map((key) => groups.get(key)!);
    const other = sameCount!.farOther(row) ?? sameModality!.farOther(row);
    if (!other)
      throw new ControlUnavailable(
        `${benchmark} row ${row.id}: no ${row.modality ?? ''} row from a scene other than ${row.scene}, so the swapped control has no frames to give it`,
      );
    partners.set(row.id, other);
  }
  return partners;
}
