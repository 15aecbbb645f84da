// The engine's part of a run config (network, training, checkpoints), validated strictly so a
// typo or an out-of-range hyper-parameter fails before training starts. Model parameters are
// validated by each model's own schema (src/models/registry.ts).
import { z } from 'zod';
import { ACTIVATIONS } from './network.ts';

const positive = z.number().positive();
const count = (max: number) => z.number().int().min(1).max(max);

export const ScheduleSchema = z.union([
  positive,
  z.object({ type: z.literal('constant'), value: positive }).strict(),
  z
    .object({
      type: z.literal('exponential'),
      initial: positive,
      /** Multiplied in once every `everyEpisodes` episodes. */
      decay: z.number().gt(0).max(1),
      everyEpisodes: count(1e9),
      minimum: positive.optional(),
    })
    .strict(),
  z.object({ type: z.literal('cosine'), initial: positive, final: positive, episodes: count(1e9) }).strict(),
  z
    .object({
      type: z.literal('piecewise'),
      /** values[i] applies from episode boundaries[i-1] (inclusive) to boundaries[i] (exclusive). */
      boundaries: z.array(z.number().int().min(1)).min(1),
      values: z.array(positive).min(2),
    })
    .strict()
    .refine((s) => s.values.length === s.boundaries.length + 1, { message: 'values must have one more entry than boundaries' }),
]);
export type Schedule = z.infer<typeof ScheduleSchema>;

/**
 * Minibatch size: a number, or piecewise by episode like the learning rate (the DEQN paper raises
 * it from 64 to 1000 at episode 60,000 once the network is near the solution: small batches first
 * for many cheap steps, large batches later for less gradient noise).
 */
export const BatchSizeSchema = z.union([
  count(10_000_000),
  z
    .object({
      type: z.literal('piecewise'),
      /** values[i] applies from episode boundaries[i-1] (inclusive) to boundaries[i] (exclusive). */
      boundaries: z.array(z.number().int().min(1)).min(1),
      values: z.array(count(10_000_000)).min(2),
    })
    .strict()
    .refine((s) => s.values.length === s.boundaries.length + 1, { message: 'values must have one more entry than boundaries' }),
]);
export type BatchSize = z.infer<typeof BatchSizeSchema>;

export const NetworkSchema = z
  .object({
    hidden: z.array(count(100_000)).min(1).max(20),
    activation: z.enum(ACTIVATIONS).default('relu'),
  })
  .strict();

export const TrainingSchema = z
  .object({
    episodes: count(1e9),
    /** Parallel simulation paths; each episode continues them. */
    paths: count(10_000_000),
    periodsPerEpisode: count(1_000_000),
    /** Periods simulated once before the first episode so training starts near the ergodic set. */
    burnInPeriods: z.number().int().min(0).max(1_000_000).default(0),
    epochsPerEpisode: count(10_000).default(1),
    batchSize: BatchSizeSchema,
    learningRate: ScheduleSchema,
    adam: z
      .object({ beta1: z.number().min(0).lt(1), beta2: z.number().min(0).lt(1), epsilon: positive })
      .strict()
      .default({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }),
    clipGradients: z
      .object({ byValue: positive.optional(), byGlobalNorm: positive.optional() })
      .strict()
      .default({}),
    lossWeights: z.record(z.string(), z.number().min(0)).default({}),
    /** Stop when every listed family's mean and max |error| on fresh states are below the thresholds. */
    stopAt: z
      .object({
        meanError: positive,
        maxError: positive,
        families: z.array(z.string()).min(1).optional(),
        checkEvery: count(1e9).default(1),
        states: count(10_000_000).default(10_000),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TrainingConfig = z.infer<typeof TrainingSchema>;

export const CheckpointSchema = z
  .object({ every: count(1e9).default(50), keep: count(1000).default(3) })
  .strict()
  .default({ every: 50, keep: 3 });

export const EvaluationSchema = z
  .object({ states: count(10_000_000).default(10_000), burnInPeriods: z.number().int().min(0).default(10) })
  .strict()
  .default({ states: 10_000, burnInPeriods: 10 });

/** Minibatch size at (1-based) `episode`. */
export function batchSizeAt(schedule: BatchSize, episode: number): number {
  if (typeof schedule === 'number') return schedule;
  return piecewiseAt(schedule, episode);
}

function piecewiseAt(schedule: { boundaries: number[]; values: number[] }, episode: number): number {
  const i = schedule.boundaries.findIndex((b) => episode < b);
  return schedule.values[i === -1 ? schedule.values.length - 1 : i];
}

/** Learning rate at (1-based) `episode`. */
export function learningRateAt(schedule: Schedule, episode: number): number {
  if (typeof schedule === 'number') return schedule;
  switch (schedule.type) {
    case 'constant':
      return schedule.value;
    case 'exponential': {
      const lr = schedule.initial * schedule.decay ** Math.floor((episode - 1) / schedule.everyEpisodes);
      return Math.max(lr, schedule.minimum ?? 0);
    }
    case 'cosine': {
      const progress = Math.min(1, (episode - 1) / Math.max(1, schedule.episodes - 1));
      return schedule.final + 0.5 * (schedule.initial - schedule.final) * (1 + Math.cos(Math.PI * progress));
    }
    case 'piecewise':
      return piecewiseAt(schedule, episode);
  }
}
