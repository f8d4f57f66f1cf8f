import { LadderError } from '../../core/index.ts';

/** Bad input in one scene: names the scene and the file, and says what is wrong with it. */
export class SceneError extends LadderError {
  constructor(
    readonly scene: string,
    readonly file: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`scene ${scene}: ${file}: ${problem}`, options);
  }
}
