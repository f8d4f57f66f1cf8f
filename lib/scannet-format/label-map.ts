/**
 * ScanNet's label map (`scannetv2-labels.combined.tsv`): raw annotation
 * strings (column `raw_category`, unique) to categories (column `category`).
 * The file ships with CRLF line endings; columns are found by header name.
 * Cells are trimmed: the shipped map gives `wardrobe cabinet` the category
 * `wardrobe ` (trailing space), which would otherwise be a category apart
 * from `wardrobe` and split one kind of object in two when counting.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../core/index.ts';

/** The label map's file name, in ScanNet's root and beside this file. */
export const LABEL_MAP_NAME = 'scannetv2-labels.combined.tsv';

/** The copy of ScanNet's map that ships with this plugin. */
export const BUNDLED_LABEL_MAP = fileURLToPath(new URL(`./${LABEL_MAP_NAME}`, import.meta.url));

export interface LabelMap {
  path: string;
  /** sha256 of the file's bytes (part of the metadata cache key). */
  hash: string;
  /** Raw categories in file order. */
  raws: string[];
  /** The `category` for a raw annotation string; undefined when the map lacks it. */
  categoryOf(raw: string): string | undefined;
  /** The row of a raw category as column name -> value (e.g. `count`, `nyu40class`). */
  row(raw: string): Record<string, string> | undefined;
}

export function parseLabelMap(text: string, path: string, hash = createHash('sha256').update(text).digest('hex')): LabelMap {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0]?.split('\t') ?? [];
  const rawColumn = header.indexOf('raw_category');
  const categoryColumn = header.indexOf('category');
  if (rawColumn < 0 || categoryColumn < 0)
    throw new ConfigError(`${path}: not a ScanNet label map: the header needs columns raw_category and category (found ${header.join(', ') || 'nothing'})`);
  const rows = new Map<string, string[]>();
  const lower = new Map<string, string>();
  for (const [i, line] of lines.slice(1).entries()) {
    const cells = line.split('\t').map((cell) => cell.trim());
    const raw = cells[rawColumn];
    if (raw === undefined || cells[categoryColumn] === undefined)
      throw new ConfigError(`${path}:${i + 2}: expected at least ${Math.max(rawColumn, categoryColumn) + 1} tab-separated columns`);
    if (rows.has(raw)) continue;
    rows.set(raw, cells);
    if (!lower.has(raw.trim().toLowerCase())) lower.set(raw.trim().toLowerCase(), raw);
  }
  const find = (raw: string) => rows.get(raw) ?? rows.get(lower.get(raw.trim().toLowerCase()) ?? '');
  return {
    path,
    hash,
    raws: [...rows.keys()],
    categoryOf: (raw) => find(raw)?.[categoryColumn],
    row: (raw) => {
      const cells = find(raw);
      return cells && Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']));
    },
  };
}

const loaded = new Map<string, { mtime: number; map: LabelMap }>();

/** Read (and remember) a label map file. */
export function loadLabelMap(path: string = BUNDLED_LABEL_MAP): LabelMap {
  let mtime: number;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    throw new ConfigError(`label map ${path}: no such file`);
  }
  const hit = loaded.get(path);
  if (hit && hit.mtime === mtime) return hit.map;
  const bytes = readFileSync(path);
  const map = parseLabelMap(bytes.toString('utf8'), path, createHash('sha256').update(bytes).digest('hex'));
  loaded.set(path, { mtime, map });
  return map;
}
