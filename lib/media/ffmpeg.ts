/**
 * Finding ffmpeg. In order: FFMPEG_PATH, ffmpeg-static (optional; its install
 * downloads a binary and fails where that host is unreachable),
 * @ffmpeg-installer/ffmpeg (binary inside the npm package: a 2018 static
 * build), then `ffmpeg` on PATH (Debian's 5.1 installs with apt).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';

export interface FfmpegLocation {
  path: string;
  /** Which candidate it was: "FFMPEG_PATH", "ffmpeg-static", "@ffmpeg-installer/ffmpeg" or "PATH". */
  via: string;
  version: string;
}

const require = createRequire(import.meta.url);
let cached: FfmpegLocation | undefined;

const executable = (path: string | undefined): path is string => {
  if (!path) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const version = (path: string): string | undefined => {
  const run = spawnSync(path, ['-hide_banner', '-version'], { encoding: 'utf8' });
  return run.status === 0 ? (/ffmpeg version (\S+)/.exec(run.stdout)?.[1] ?? 'unknown') : undefined;
};

const optional = (resolveFn: () => string | undefined): string | undefined => {
  try {
    return resolveFn();
  } catch {
    return undefined;
  }
};

/** The ffmpeg to use; throws an error naming every place looked at when none works. */
export function findFfmpeg(): FfmpegLocation {
  if (cached) return cached;
  const candidates: [string, string | undefined][] = [
    ['FFMPEG_PATH', process.env.FFMPEG_PATH],
    ['ffmpeg-static', optional(() => require('ffmpeg-static') as string)],
    ['@ffmpeg-installer/ffmpeg', optional(() => (require('@ffmpeg-installer/ffmpeg') as { path: string }).path)],
    ['PATH', 'ffmpeg'],
  ];
  for (const [via, path] of candidates) {
    if (!path || (via !== 'PATH' && !executable(path))) continue;
    const found = version(path);
    if (found) return (cached = { path, via, version: found });
  }
  throw new Error(
    'no ffmpeg found: set FFMPEG_PATH, install ffmpeg-static or @ffmpeg-installer/ffmpeg (npm), or put ffmpeg on PATH (apt-get install ffmpeg)',
  );
}
