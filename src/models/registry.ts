// The one registry of dynamic (DEQN) models: config files name a model here by its key.
import type { z } from 'zod';
import type { DynamicModel } from '../deqn/model.ts';
import { OlgAnalyticParamsSchema } from './olg-analytic/params.ts';
import { createOlgAnalytic } from './olg-analytic/index.ts';

export interface ModelEntry {
  description: string;
  paramsSchema: z.ZodType;
  create(params: unknown): DynamicModel;
}

export const DYNAMIC_MODELS: Readonly<Record<string, ModelEntry>> = {
  'olg-analytic': {
    description: 'analytic 6-generation OLG model with a closed-form solution (MODELS.md §A)',
    paramsSchema: OlgAnalyticParamsSchema,
    create: (params) => createOlgAnalytic(OlgAnalyticParamsSchema.parse(params)),
  },
};
