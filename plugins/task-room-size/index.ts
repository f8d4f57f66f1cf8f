/**
 * Room size (docs/method.md#answer-rules): the room's floor area in square metres, one
 * decimal, as the source computed it (deterministically). Video only: one
 * question per scene, over the scene's frame list.
 */
import { defineTask, round, TEMPLATES } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'task-room-size';

export default defineTask({
  name: PLUGIN_NAME,
  id: 'room-size',
  modalities: ['video'],
  *generate({ scene, observations, emit }) {
    const video = observations[0];
    if (!video || !(scene.floorArea > 0)) return;
    yield emit({
      frames: video.frames,
      refs: [],
      question: TEMPLATES.roomSize(),
      answer: scene.floorArea.toFixed(1),
      answerKind: 'number',
      facts: { floorArea: round(scene.floorArea, 2), method: 'floor area of the room from the scene source' },
    });
  },
});
