/**
 * Crash-safe file writing: write to a temporary file beside the target, then
 * rename, so a reader never sees half a file and a crash never loses the old one.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, truncateSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

let counter = 0;
const tempName = (path: string) => `${path}.tmp-${process.pid}-${counter++}`;

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempName(path);
  await writeFile(temp, data);
  await rename(temp, path);
}

export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempName(path);
  writeFileSync(temp, data);
  renameSync(temp, path);
}

export const writeJsonAtomic = (path: string, value: unknown) =>
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);

/** A crash mid-append leaves a last line without its newline: cut it, or the next append would glue onto it. */
export function dropTornLine(path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path);
  if (text.length && text[text.length - 1] !== 0x0a) truncateSync(path, text.lastIndexOf(0x0a) + 1);
}

const appendedTo = new Set<string>();

/**
 * Append one JSON object as a line; lines are small, so each append is one
 * write. The first append to a file in a process first cuts a torn last line.
 */
export function appendJsonLine(path: string, value: unknown): void {
  if (!appendedTo.has(path)) {
    mkdirSync(dirname(path), { recursive: true });
    dropTornLine(path);
    appendedTo.add(path);
  }
  appendFileSync(path, `${JSON.stringify(value)}\n`);
}

/**
 * Read a JSONL file, skipping a torn last line (a crash mid-append) but
 * failing on a malformed line elsewhere, with the file and line number.
 */
export function readJsonLines<T = unknown>(path: string): T[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (error) {
      const isLast = lines.slice(i + 1).every((rest) => !rest.trim());
      if (!isLast) throw new Error(`${path}:${i + 1}: malformed JSON line (${(error as Error).message})`);
    }
  });
  return out;
}
