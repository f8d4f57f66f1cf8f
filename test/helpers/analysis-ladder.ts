/**
 * Ladders for analysis tests: the fault suite's shrunk spatial-ladder config
 * (5 small procedural rooms, a one-layer tiny-vlm, a few steps per stage),
 * made in-process, with extra plugins first; and a helper that runs an
 * analysis as `ladder analyze` does after parsing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLadder, readJsonLines, runAnalysis, type AnalysisReport, type AnalysisRequest, type Ladder, type Plugin, type Sample, type UserConfig } from '../../core/index.ts';
import { DEFAULT, writeConfig } from '../faults/harness.ts';

/** The shrunk config written into `dir` (runs and cache inside it); returns its path and the parsed config. */
export function shrunkConfig(dir: string, model: object = DEFAULT): { file: string; config: UserConfig } {
  const file = writeConfig(dir, model);
  return { file, config: JSON.parse(readFileSync(file, 'utf8')) as UserConfig };
}

export async function shrunkLadder(dir: string, plugins: Plugin[] = [], extra: Partial<UserConfig> = {}): Promise<Ladder> {
  const { file, config } = shrunkConfig(dir);
  // no reporter (defaults: []): tests stay quiet
  return createLadder({ ...config, ...extra, plugins: [...plugins, ...(config.plugins ?? []), ...(extra.plugins ?? [])] }, { baseDir: dir, where: file, defaults: [] });
}

/** Run analysis `id` of `ladder` (quietly: its log lines are collected in `logs`). */
export async function analyze(ladder: Ladder, id: string, request: Partial<AnalysisRequest> = {}, logs: string[] = []): Promise<AnalysisReport & { dir: string }> {
  ladder.hooks.log.tap('test', ({ message }) => void logs.push(message));
  const { seed, runsDir } = ladder.config;
  return runAnalysis(ladder, ladder.get('analyses', id), { seed, runsDir }, { runs: [], options: {}, ...request });
}

/** A sample by id from any dataset built under `dir` (the analyses' diagnostic set among them), and that dataset's folder. */
export function findSample(dir: string, id: string): { sample: Sample; datasetDir: string; byId: Map<string, Sample> } {
  const root = join(dir, 'cache', 'datasets');
  for (const hash of readdirSync(root).filter((n) => /^[0-9a-f]{16}$/.test(n))) {
    const samples = readJsonLines<Sample>(join(root, hash, 'samples.jsonl'));
    const sample = samples.find((s) => s.id === id);
    if (sample) return { sample, datasetDir: join(root, hash), byId: new Map(samples.map((s) => [s.id, s])) };
  }
  throw new Error(`no sample ${id} under ${root}`);
}
