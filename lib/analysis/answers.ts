/**
 * Answers that do not depend on the question: per question type, the most
 * common extracted answer and its share of the type's scored questions. A
 * model that writes one answer to (nearly) every question of a type scores
 * that type's answer prior, whatever its number looks like.
 */

/** One prediction as benchmarks write it to predictions.jsonl (only these fields are read). */
export interface PredictionRow {
  type: string;
  /** The answer the benchmark extracted: a number or a letter; null when none could be. */
  extracted?: unknown;
}

export interface DominantAnswer {
  type: string;
  answer: string;
  /** Questions given that answer, and the type's questions with an extracted number or letter. */
  count: number;
  total: number;
}

/**
 * Types whose most common answer covers at least `minShare` of their
 * answered questions, among types with at least `minCount` of them, in
 * order of first appearance. Only scalar answers (numbers, letters) count:
 * grounding boxes and unparsed answers are left out.
 */
export function dominantAnswers(rows: readonly PredictionRow[], { minShare = 0.9, minCount = 10 } = {}): DominantAnswer[] {
  const byType = new Map<string, Map<string, number>>();
  for (const { type, extracted } of rows) {
    if (typeof extracted !== 'number' && typeof extracted !== 'string') continue;
    const counts = byType.get(type) ?? new Map<string, number>();
    counts.set(String(extracted), (counts.get(String(extracted)) ?? 0) + 1);
    byType.set(type, counts);
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
