// Models whose equilibrium needs conditions across the whole simulated cross-section (market
// clearing over a panel of households, prices set by a price network) cannot be trained state by
// state. Such a model trains its own episodes with the engine's network, optimizer, simulator and
// Rng, so checkpoints, exact resume, TensorBoard logging and `deqn train` work unchanged.
import type { tf } from '../tensor/backend.ts';
import type { Rng } from '../tensor/rng.ts';
import type { DynamicModel } from './model.ts';
import type { Mlp } from './network.ts';
import type { Adam } from './adam.ts';
import type { Simulator } from './simulator.ts';
import type { TrainingConfig } from './config.ts';

export interface EpisodeEnvironment {
  readonly net: Mlp;
  /** The run's optimizer: update every variable of `net` in one `apply` per step. */
  readonly adam: Adam;
  readonly rng: Rng;
  /** Its `states` are the panel the model simulates (checkpointed with the run). */
  readonly simulator: Simulator;
  readonly config: TrainingConfig;
  /** 1-based number of the episode being trained. */
  readonly episode: number;
  readonly learningRate: number;
  /** The run's gradient clipping (training.clipGradients). */
  clip(grads: tf.Tensor[]): tf.Tensor[];
}

export interface EpisodeOutcome {
  /** Mean loss over the episode's steps. */
  loss: number;
  /** Mean and max |residual| per family over the episode. */
  families: Record<string, { mean: number; max: number }>;
  /** States trained on (for states per second) and optimizer steps taken. */
  states: number;
  steps: number;
}

export interface OwnEpisodeModel<F extends string = string> extends DynamicModel<F> {
  trainEpisode(env: EpisodeEnvironment): EpisodeOutcome;
}

export function trainsOwnEpisodes(model: DynamicModel): model is OwnEpisodeModel {
  return typeof (model as Partial<OwnEpisodeModel>).trainEpisode === 'function';
}
