// The one registry of dynamic (DEQN) models: config files name a model here by its key.
import type { z } from 'zod';
import type { DynamicModel } from '../deqn/model.ts';
import { OlgAnalyticParamsSchema } from './olg-analytic/params.ts';
import { createOlgAnalytic } from './olg-analytic/index.ts';
import { paramsSchemaResolving as HaTradeDeqnParamsSchema } from './ha-trade-deqn/params.ts';
import { createHaTradeDeqn } from './ha-trade-deqn/index.ts';
import { OlgTwoAssetParamsSchema } from './olg-two-asset/params.ts';
import { createOlgTwoAsset } from './olg-two-asset/index.ts';

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
  'ha-trade': {
    description: 'heterogeneous-agent trade (Waugh; MODELS.md §C): household and price networks conditioned on tariffs and trade costs, markets cleared on a simulated panel',
    paramsSchema: HaTradeDeqnParamsSchema,
    create: (params) => createHaTradeDeqn(params),
  },
  'olg-two-asset': {
    description: '56-generation two-asset OLG benchmark: capital with adjustment cost, collateralised bond in zero net supply (MODELS.md §B)',
    paramsSchema: OlgTwoAssetParamsSchema,
    create: (params) => createOlgTwoAsset(OlgTwoAssetParamsSchema.parse(params)),
  },
};
