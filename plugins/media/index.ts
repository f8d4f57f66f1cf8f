/**
 * media: a library shared by plugins that read or write images and video
 * (not a plugin itself: it taps no hook). Published alone it would be a
 * dependency of the source, task and benchmark plugins.
 */
export { findFfmpeg, type FfmpegLocation } from './ffmpeg.ts';
export { smartResize, roundHalfEven, PAPER_BUDGET, type PixelBudget } from './resize.ts';
