/**
 * The TensorFlow.js backend, chosen once per process, fastest first:
 * `@tensorflow/tfjs-node-gpu` (when installed and a GPU is visible) ->
 * `@tensorflow/tfjs-node` -> `@tensorflow/tfjs-backend-wasm` (SIMD) -> the
 * pure-JS `cpu` backend. `@tensorflow/tfjs-node` is an optional dependency
 * whose install script downloads libtensorflow: npm drops it where the
 * download fails. `-node-gpu` is installed by hand on a CUDA machine. Each is
 * tried with a guarded dynamic import; what was passed over, and why, is one
 * line of the run log: `tiny-vlm: TensorFlow.js backend "wasm"
 * (tfjs-node-gpu: no GPU visible; tfjs-node: not installed)`.
 */
import { existsSync } from 'node:fs';
import * as tf from './tf.ts';

export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** tfjs backend name that runs ("tensorflow", "wasm", "cpu"). */
  name: string;
  /** What was tried and why it was passed over. */
  notes: string[];
}

let chosen: Promise<BackendInfo> | undefined;

const gpuVisible = () =>
  process.env.CUDA_VISIBLE_DEVICES !== '' && process.env.CUDA_VISIBLE_DEVICES !== '-1' && existsSync('/dev/nvidiactl');

/** Import an optional backend package; why it is unavailable goes to `notes` in a few words. */
export async function tryImport(name: string, notes: string[]): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const absent = code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${name}'`);
    notes.push(`${name.replace('@tensorflow/', '')}: ${absent ? 'not installed' : `failed to load (${message.split('\n')[0]})`}`);
    return false;
  }
}

async function select(choice: BackendChoice): Promise<BackendInfo> {
  const notes: string[] = [];
  const want = (c: BackendChoice) => choice === 'auto' || choice === c;
  if (want('tensorflow-gpu')) {
    if (!gpuVisible()) notes.push('tfjs-node-gpu: no GPU visible');
    else if ((await tryImport('@tensorflow/tfjs-node-gpu', notes)) && (await tf.setBackend('tensorflow')))
      return { name: 'tensorflow-gpu', notes };
  }
  if (want('tensorflow') && (await tryImport('@tensorflow/tfjs-node', notes)) && (await tf.setBackend('tensorflow')))
    return { name: 'tensorflow', notes };
  if (want('wasm') && (await tryImport('@tensorflow/tfjs-backend-wasm', notes))) {
    if (await tf.setBackend('wasm').catch((e: Error) => void notes.push(`wasm: failed to start (${e.message})`))) return { name: 'wasm', notes };
  }
  if (choice !== 'auto' && choice !== 'cpu') throw new Error(`tfjs backend "${choice}" is not available: ${notes.join('; ')}`);
  await tf.setBackend('cpu');
  return { name: 'cpu', notes };
}

/**
 * Select and initialise the backend (once per process; later calls return
 * the first choice, since tfjs has one global backend).
 */
export function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  chosen ??= select(choice).then(async (info) => {
    await tf.ready();
    return info;
  });
  return chosen;
}
