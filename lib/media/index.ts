/**
 * media: a library shared by plugins that read or write images and video
 * (not a plugin itself: it taps no hook). Published alone it would be a
 * dependency of the source, task, benchmark and model plugins.
 */
export { findFfmpeg, type FfmpegLocation } from './ffmpeg.ts';
export { smartResize, roundHalfEven, PAPER_BUDGET, type PixelBudget } from './resize.ts';
export { sampleFrames, probeVideo, decodeFrames, evenlySpacedIndices, type FrameSampling, type VideoInfo } from './frames.ts';
export { imageDataUrl, videoDataUrl } from './data-url.ts';
export { jpegSize } from './jpeg.ts';
export { createLimiter } from './limiter.ts';
export { drawOverlay, overlaySvg, type Overlay, type OverlayArrow, type OverlayBox, type OverlayHeat } from './overlay.ts';
export { imageGrid, type GridCell } from './grid.ts';
export { blankFrames, BLANK_GREY } from './blank.ts';
