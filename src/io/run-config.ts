// A training run's config file: which model, its parameters, the network, training, checkpoints.
// Validated strictly; every problem is reported with the file, the field and what is allowed.
import { z } from 'zod';
import { readJsonFile, parseWithSchema } from './json-file.ts';
import { UsageError } from './errors.ts';
import { NetworkSchema, TrainingSchema, CheckpointSchema, EvaluationSchema } from '../deqn/config.ts';
import { DYNAMIC_MODELS } from '../models/registry.ts';

export const RunConfigSchema = z
  .object({
    model: z.string(),
    description: z.string().optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    params: z.record(z.string(), z.unknown()).default({}),
    network: NetworkSchema.extend({ outputInit: z.enum(['glorot', 'zeros']).default('glorot') }).strict(),
    training: TrainingSchema,
    checkpoint: CheckpointSchema,
    evaluation: EvaluationSchema,
  })
  .strict();

export type RunConfig = z.infer<typeof RunConfigSchema>;

/** Validates a parsed config object (from a file or a checkpoint); `source` names it in errors. */
export function validateRunConfig(data: unknown, source: string): RunConfig {
  const config = parseWithSchema(RunConfigSchema, data, source);
  const entry = DYNAMIC_MODELS[config.model];
  if (!entry) {
    throw new UsageError(`${source}: field "model": unknown model "${config.model}"; allowed: ${Object.keys(DYNAMIC_MODELS).join(', ')}`);
  }
  config.params = parseWithSchema(entry.paramsSchema, config.params, source, ['params']) as Record<string, unknown>;
  return config;
}

export function loadRunConfig(file: string): RunConfig {
  return validateRunConfig(readJsonFile(file, 'config file'), file);
}
