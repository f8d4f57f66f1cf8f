/**
 * formats: a dataset written the way other trainers read it (TRL, VLM-R1,
 * the released SpatialLadder-26k files), with Hugging Face dataset cards.
 * A library, not a plugin: the dataset plugin's `ladder data export` and the
 * TRL engine's stage data both use it.
 */
export { trlRow, type TrlRow, type TrlRowOptions, type Message } from './trl.ts';
export { vlmR1Row } from './vlm-r1.ts';
export { groundingRows, spatialRows, answerBoxes, QUESTION_TYPES, DATA_TYPES, SPATIALLADDER_FILES } from './spatialladder.ts';
export { datasetCard, licenseNote, type CardConfig, type Feature } from './card.ts';
export { exportDataset, writeSpatialLadderFiles, EXPORT_FORMATS, type ExportFormat } from './export.ts';
