/**
 * The documents are self-contained: every citation in the repository's
 * TypeScript and Markdown resolves to a file in the repository.
 *
 * - Relative Markdown links `[text](path#anchor)` point at a file that exists,
 *   and an anchor at a heading of that Markdown file (GitHub's slugs).
 * - Paths written in text or comments (`lib/scoring/README.md`,
 *   `docs/method.md#rewards`, `core/config.ts`) exist, relative to the
 *   citing file or to the repository root; anchors as above.
 * - No citation of documents the repository does not hold: the method and
 *   architecture are stated in docs/ (no "SPEC section 4", "DESIGN.md",
 *   "docs-notes/").
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SKIP_DIRS = new Set(['node_modules', 'runs', 'fixtures', 'dist']); // dist: the build's copy of the sources

function sources(dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (path === SELF) return []; // its own test cases cite what they must catch
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mjs|md)$/.test(entry.name) ? [path] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

const anchorCache = new Map<string, Set<string>>();
const anchorsOf = (file: string) => {
  let found = anchorCache.get(file);
  if (!found) anchorCache.set(file, (found = anchors(readFileSync(file, 'utf8'))));
  return found;
};

/** Why `target` (a path, maybe with #anchor) cited from `file` does not resolve; undefined when it does. */
function unresolved(file: string, target: string, bases: string[]): string | undefined {
  const [path, anchor] = target.split('#') as [string, string | undefined];
  const candidates = path ? bases.map((base) => resolve(base, path)) : [file];
  const hit = candidates.find((c) => existsSync(c));
  if (!hit) return `${target}: no such file`;
  if (anchor === undefined || !hit.endsWith('.md') || statSync(hit).isDirectory()) return undefined;
  return anchorsOf(hit).has(anchor.toLowerCase()) ? undefined : `${target}: no heading "#${anchor}" in ${relative(root, hit)}`;
}

const FORBIDDEN: [RegExp, string][] = [
  [/\bSPEC\b/, 'cites SPEC (state the rule in docs/method.md and point there)'],
  [/\bDESIGN(\.md)?\b/, 'cites DESIGN.md (state it in docs/architecture.md and point there)'],
  [/docs-notes\//, 'cites docs-notes/, which the repository does not hold'],
];

/** Repository paths named in text: a top folder, then path characters, ending in a file name with an extension. */
const PATH_MENTION = /(?<![\w./-])((?:docs|core|lib|plugins|presets|examples|bench|test)\/[\w./-]*\w\.(?:md|ts|mjs|js|json|tsv|yaml)(?!\w))(#[\w-]+)?/g;
const MARKDOWN_LINK = /\[[^\]]*\]\(([^)\s]+)\)/g;

export function problemsOf(file: string, text: string): string[] {
  const problems: string[] = [];
  const where = (index: number) => `${relative(root, file)}:${text.slice(0, index).split('\n').length}`;
  for (const [pattern, why] of FORBIDDEN) {
    const global = new RegExp(pattern.source, 'g');
    for (const m of text.matchAll(global)) problems.push(`${where(m.index)}: ${why}: "${m[0]}"`);
  }
  if (file.endsWith('.md'))
    for (const m of text.matchAll(MARKDOWN_LINK)) {
      const target = m[1]!;
      if (/^[a-z][\w+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      const why = unresolved(file, decodeURI(target), [dirname(file)]);
      if (why) problems.push(`${where(m.index)}: link ${why}`);
    }
  for (const m of text.matchAll(PATH_MENTION)) {
    const why = unresolved(file, `${m[1]}${m[2] ?? ''}`, [dirname(file), root]);
    if (why) problems.push(`${where(m.index)}: path ${why}`);
  }
  return problems;
}

test('every citation and relative link in the repository\'s .ts and .md files resolves to a file (and heading) in it', (t) => {
  const files = sources();
  t.true(files.length > 200, `scanned ${files.length} files`);
  const problems = files.flatMap((file) => problemsOf(file, readFileSync(file, 'utf8')));
  t.deepEqual(problems, []);
});

test('the checker catches what it is for', (t) => {
  const file = join(root, 'docs', 'method.md');
  t.deepEqual(problemsOf(file, 'Rules: SPEC section 4; see DESIGN.md and docs-notes/training.md.'), [
    'docs/method.md:1: cites SPEC (state the rule in docs/method.md and point there): "SPEC"',
    'docs/method.md:1: cites DESIGN.md (state it in docs/architecture.md and point there): "DESIGN.md"',
    'docs/method.md:1: cites docs-notes/, which the repository does not hold: "docs-notes/"',
  ]);
  t.deepEqual(problemsOf(file, 'x\n[a](method.md#rewards) [b](architecture.md#no-such) [c](nowhere.md) [d](https://x.org/y.md) [e](#rewards) [f](#nope)'), [
    'docs/method.md:2: link architecture.md#no-such: no heading "#no-such" in docs/architecture.md',
    'docs/method.md:2: link nowhere.md: no such file',
    'docs/method.md:2: link #nope: no heading "#nope" in docs/method.md',
  ]);
  t.deepEqual(problemsOf(join(root, 'core', 'x.ts'), '// see lib/scoring/README.md#answer-extraction, lib/nowhere/index.ts, docs/method.md#nope; SPECIAL_TOKENS'), [
    'core/x.ts:1: path lib/nowhere/index.ts: no such file',
    'core/x.ts:1: path docs/method.md#nope: no heading "#nope" in docs/method.md',
  ]);
  t.deepEqual([...anchors('# A b\n## Rewards (paper eq. 5-8)\n```\n# not a heading\n```\n## A b\n### The facts, decided\n## `json: true` and [links](x.md)')], [
    'a-b',
    'rewards-paper-eq-5-8',
    'a-b-1',
    'the-facts-decided',
    'json-true-and-links',
  ]);
});
