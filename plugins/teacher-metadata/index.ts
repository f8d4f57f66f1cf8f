/**
 * teacher-metadata: registers the `metadata-teacher` policy backend, the
 * default cold-start teacher (see teacher.ts). Any other policy id can be the
 * teacher through the cold-start stage's `teacher` option.
 */
import { definePlugin, validate, z } from '../../core/index.ts';
import { MetadataTeacher } from './teacher.ts';

export const PLUGIN_NAME = 'teacher-metadata';
export const TEACHER_ID = 'metadata-teacher';
export { MetadataTeacher, teacherCompletion, describeFacts, wrongAnswer, type TeacherOptions } from './teacher.ts';

export const teacherOptions = z.strictObject({
  errorRate: z.number().min(0).max(1).default(0.3),
  formatErrorRate: z.number().min(0).max(1).default(0.1),
  maxFacts: z.number().int().min(0).default(2),
  measurements: z.boolean().default(false),
  stateAnswer: z.boolean().default(true),
});

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({}),
  apply(ladder) {
    ladder.hooks.models.for(TEACHER_ID).tap(PLUGIN_NAME, () => ({
      id: TEACHER_ID,
      async create(raw) {
        return new MetadataTeacher(validate(teacherOptions, raw ?? {}, `${TEACHER_ID} options`));
      },
    }));
  },
});
