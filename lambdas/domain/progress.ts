import * as z from './zod';

/**
 * Lesson progress and how two concurrent updates combine. Status only moves forward
 * (started → completed), so merging two writes never loses a completion; the last position wins.
 */

export const progressStatuses = ['started', 'completed'] as const;
export type ProgressStatus = (typeof progressStatuses)[number];

export const progressUpdateSchema = z.strictObject({
  status: z.enum(progressStatuses),
  /** Where the learner left off: a heading or exercise anchor in the lesson page. */
  position: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  /** Optional optimistic-concurrency check: the version the client last read. */
  version: z.optional(z.number().check(z.int(), z.minimum(0))),
});
export type ProgressUpdate = z.infer<typeof progressUpdateSchema>;

export interface Progress {
  lessonId: string;
  status: ProgressStatus;
  position?: string;
  startedAt: string;
  completedAt?: string;
  updatedAt: string;
  version: number;
}

export function mergeProgress(current: Progress | undefined, lessonId: string, update: ProgressUpdate, now: string): Progress {
  const completed = current?.status === 'completed' || update.status === 'completed';
  const position = update.position ?? current?.position;
  const completedAt = current?.completedAt ?? (completed ? now : undefined);
  return {
    lessonId,
    status: completed ? 'completed' : 'started',
    ...(position !== undefined ? { position } : {}),
    startedAt: current?.startedAt ?? now,
    ...(completedAt !== undefined ? { completedAt } : {}),
    updatedAt: now,
    version: (current?.version ?? 0) + 1,
  };
}
