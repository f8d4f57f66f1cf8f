/**
 * geometry: pure math shared by the scene sources and the task generators
 * (not a plugin: it taps no hook). Metres, world +Z up, cameras in the OpenCV
 * convention, matrices row-major (docs/method.md#conventions).
 */
export { IDENTITY, multiply, transformPoint, transformPoints, invertRigid, yawTransform, yawOf, isFiniteMatrix, roundTo } from './transform.ts';
export { project, unproject, scaleIntrinsics, intrinsicsFromMatrix, intrinsicsMatrix } from './camera.ts';
export { footprint, boxCorners, longestSide, normalizeBox, convexHull, fitOrientedBox, evenSubset, type Vec2 } from './box.ts';
export { boxDistance, polygonDistance, intervalGap } from './box-distance.ts';
export { measureVisibility, sphereInView, type DepthMap, type VisibilityOptions, type ViewMeasure } from './visibility.ts';
export { quadrantAngle, quadrantOf, boundaryDistance, QUADRANTS, type Quadrant } from './direction.ts';
export { floorArea, type FloorAreaOptions } from './floor.ts';
