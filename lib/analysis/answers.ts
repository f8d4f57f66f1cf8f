/**
 * Answers that do not depend on the question: per question type, the most
 * common extracted answer and its share of the type's scored questions. A
 * model that writes one answer to (nearly) every question of a type scores
 * that type's answer prior, whatever its number looks like.
 */
import { parseBoxes } from '../scoring/index.ts';

/** One prediction as benchmarks write it to predictions.jsonl (only these fields are read). */
export interface PredictionRow {
  type: string;
  /** The answer the benchmark extracted: a number or a letter; null when none could be. */
  extracted?: unknown;
  /** The model's text (a localization answer's boxes are read from it). */
  prediction?: string;
}

/** The question type whose answers are grounding boxes: each box is counted, as written with its label. */
const BOXES_TYPE = 'localization';

/** The answers a row is counted under: its number or letter, or each well-formed box of a localization answer as the scorer parses it ("[0,0,335,251] door"); none when unparsed. */
function answersOf({ type, extracted, prediction }: PredictionRow): string[] {
  if (typeof extracted === 'number' || typeof extracted === 'string') return [String(extracted)];
  if (type !== BOXES_TYPE || !prediction) return [];
  return (parseBoxes(prediction) ?? []).flatMap((b) => (b ? [`${JSON.stringify(b.box)} ${b.label}`] : []));
}

export interface DominantAnswer {
  type: string;
  answer: string;
  /** Questions given that answer, and the type's questions with an extracted number or letter (for localization: boxes). */
  count: number;
  total: number;
}

/**
 * Types whose most common answer covers at least `minShare` of their
 * answered questions, among types with at least `minCount` of them, in
 * order of first appearance. Numbers and letters count, and for
 * localization each box of a parsed answer with its label (the same box
 * for every object asked about); unparsed answers are left out.
 */
export function dominantAnswers(rows: readonly PredictionRow[], { minShare = 0.9, minCount = 10 } = {}): DominantAnswer[] {
  const byType = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const counts = byType.get(row.type) ?? new Map<string, number>();
    for (const answer of answersOf(row)) counts.set(answer, (counts.get(answer) ?? 0) + 1);
    if (counts.size) byType.set(row.type, counts);
  }
  const found: DominantAnswer[] = [];
  for (const [type, counts] of byType) {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    // ties go to the answer seen first
    const [answer, count] = [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
    if (total >= minCount && count >= minShare * total) found.push({ type, answer, count, total });
  }
  return found;
}
