/**
 * A dataset worker thread (see workers.ts): rebuilds the ladder, checks it
 * plans the same dataset as the main thread, then processes one scene per
 * message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLadder, loadConfig, sourceContext, type Ladder } from '../../core/index.ts';
import { datasetPlan } from './settings.ts';
import { processScene } from './scene-work.ts';
import type { WorkerMessage, WorkerSetup } from './workers.ts';

const { setup } = workerData as { setup: WorkerSetup };
const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);
const messageOfError = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function rebuild(origin: WorkerSetup['origin']): Promise<Ladder> {
  const options = { baseDir: origin.baseDir, where: origin.where, defaults: origin.defaults, file: origin.file, overrides: origin.overrides };
  if (origin.config) return createLadder(origin.config, options);
  const file = origin.file!;
  const loaded = await loadConfig({ configPath: file.path, overrides: file.overrides, command: file.command, cwd: file.cwd });
  const config = loaded.configs[file.index];
  if (!config) throw new Error(`${file.path} no longer has sweep entry ${file.index}`);
  return createLadder(config, { ...options, baseDir: loaded.baseDir });
}

try {
  const ladder = await rebuild(setup.origin);
  const plan = datasetPlan(ladder, setup.data, setup.seed, setup.cacheDir);
  if (plan.hash !== setup.hash)
    throw new Error(`the worker's plugin set plans dataset ${plan.hash}, the main thread's ${setup.hash}; was the config file changed during the build?`);
  const job = {
    ladder,
    settings: plan.settings,
    partial: setup.partial,
    sourceContext: sourceContext({
      seed: setup.seed,
      cacheDir: setup.cacheDir,
      config: setup.data,
      progress: () => ({ tick() {}, done() {} }),
      log: (message: string) => post({ type: 'log', message }),
    }),
  };
  port.on('message', ({ scene }: { scene: string }) => {
    processScene(job, scene).then(
      () => post({ type: 'done', scene }),
      (error: unknown) => post({ type: 'error', scene, message: messageOfError(error) }),
    );
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'error', message: messageOfError(error) });
}
