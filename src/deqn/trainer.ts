// Algorithm 1 of Deep Equilibrium Nets: simulate an episode of states under the current policy,
// take epochs of minibatch gradient steps on the mean squared residuals, measure, repeat; stop at
// error thresholds on fresh simulated states. Everything random comes from one seeded Rng.
import { tf } from '../tensor/backend.ts';
import { Rng } from '../tensor/rng.ts';
import type { DynamicModel } from './model.ts';
import type { Mlp } from './network.ts';
import { Adam } from './adam.ts';
import { Simulator } from './simulator.ts';
import { evaluateResiduals, networkPolicy, residualLoss } from './residuals.ts';
import { batchSizeAt, learningRateAt, type TrainingConfig } from './config.ts';
import { errorStats, type ErrorStats } from './stats.ts';
import { trainsOwnEpisodes } from './own-episode.ts';

export interface FamilySummary {
  mean: number;
  max: number;
}

export interface EpisodeMetrics {
  episode: number;
  loss: number;
  learningRate: number;
  /** Mean and max |residual| per family over the episode's training minibatches. */
  families: Record<string, FamilySummary>;
  statesPerSecond: number;
  msPerStep: number;
  /** Optimizer steps taken in the episode. */
  steps: number;
  /** Set on episodes where the stop criterion was checked on fresh states. */
  check?: ErrorTable;
  /** With `check`: hidden units of each main-network layer inactive at every fresh state (Mlp.inactiveUnits). */
  inactiveUnits?: number[];
}

/** Receives scalars per episode (the TensorBoard writer implements it). */
export interface ScalarSink {
  scalar(tag: string, value: number, step: number): void;
  flush(): void;
}

export class Trainer {
  readonly model: DynamicModel;
  readonly net: Mlp;
  readonly config: TrainingConfig;
  readonly seed: number;
  rng: Rng;
  simulator: Simulator;
  adam: Adam;
  /** Episodes completed so far. */
  episode = 0;

  constructor(model: DynamicModel, net: Mlp, config: TrainingConfig, seed: number, rng: Rng) {
    this.model = model;
    this.net = net;
    this.config = config;
    this.seed = seed;
    this.rng = rng;
    this.simulator = new Simulator(model, config.paths, rng);
    this.adam = new Adam(net.variables, config.adam);
  }

  /** Simulates the burn-in periods once, before the first episode of a fresh run. */
  burnIn(): void {
    for (let t = 0; t < this.config.burnInPeriods; t++) this.simulator.step(this.net, this.rng);
  }

  /** One Adam step on a minibatch; returns [loss, mean|e| per family..., max|e| per family...]. */
  trainStep(batch: tf.Tensor2D, learningRate: number): Float32Array {
    const families = this.model.residualFamilies;
    let stats: tf.Tensor1D | undefined;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const { residuals } = evaluateResiduals(this.model, networkPolicy(this.model, this.net), batch);
        const loss = residualLoss(residuals, this.config.lossWeights);
        const abs = families.map((f) => tf.abs(residuals[f]));
        stats = tf.keep(tf.stack([loss, ...abs.map((a) => tf.mean(a)), ...abs.map((a) => tf.max(a))]) as tf.Tensor1D);
        return loss;
      }, this.net.variables);
      void value;
      const ordered = this.net.variables.map((v) => grads[v.name]);
      this.adam.apply(this.net.variables, this.clip(ordered), learningRate);
    });
    const out = stats!.dataSync() as Float32Array;
    stats!.dispose();
    return out;
  }

  private clip(grads: tf.Tensor[]): tf.Tensor[] {
    const { byValue, byGlobalNorm } = this.config.clipGradients;
    let out = grads;
    if (byValue !== undefined) out = out.map((g) => tf.clipByValue(g, -byValue, byValue));
    if (byGlobalNorm !== undefined) {
      const norm = tf.sqrt(tf.addN(out.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.div(byGlobalNorm, tf.maximum(norm, byGlobalNorm));
      out = out.map((g) => tf.mul(g, scale));
    }
    return out;
  }

  /** Simulates one episode and trains on it; returns the episode's metrics. */
  runEpisode(): EpisodeMetrics {
    const cfg = this.config;
    const episode = this.episode + 1;
    const learningRate = learningRateAt(cfg.learningRate, episode);
    if (trainsOwnEpisodes(this.model)) return this.ownEpisode(episode, learningRate);
    const dim = this.model.stateDim;
    const data = this.simulator.run(this.net, cfg.periodsPerEpisode, this.rng);
    const n = data.length / dim;
    const families = this.model.residualFamilies;
    const sums = { loss: 0, steps: 0, mean: new Float64Array(families.length), max: new Float64Array(families.length) };
    const batchSize = batchSizeAt(cfg.batchSize, episode);
    const started = performance.now();
    for (let epoch = 0; epoch < cfg.epochsPerEpisode; epoch++) {
      const order = this.rng.permutation(n);
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const rows = new Float32Array(size * dim);
        for (let r = 0; r < size; r++) rows.set(data.subarray(order[start + r] * dim, (order[start + r] + 1) * dim), r * dim);
        const batch = tf.tensor2d(rows, [size, dim]);
        const s = this.trainStep(batch, learningRate);
        batch.dispose();
        sums.loss += s[0];
        sums.steps++;
        families.forEach((_, f) => {
          sums.mean[f] += s[1 + f];
          sums.max[f] = Math.max(sums.max[f], s[1 + families.length + f]);
        });
      }
    }
    const seconds = (performance.now() - started) / 1000;
    this.episode = episode;
    const summary: Record<string, FamilySummary> = {};
    families.forEach((f, i) => (summary[f] = { mean: sums.mean[i] / sums.steps, max: sums.max[i] }));
    return {
      episode,
      loss: sums.loss / sums.steps,
      learningRate,
      families: summary,
      statesPerSecond: (n * cfg.epochsPerEpisode) / seconds,
      msPerStep: (1000 * seconds) / sums.steps,
      steps: sums.steps,
    };
  }

  /** An episode trained by the model itself (src/deqn/own-episode.ts), e.g. with market clearing over a panel. */
  private ownEpisode(episode: number, learningRate: number): EpisodeMetrics {
    if (!trainsOwnEpisodes(this.model)) throw new Error('ownEpisode: model does not train its own episodes');
    const started = performance.now();
    const out = this.model.trainEpisode({
      net: this.net,
      adam: this.adam,
      rng: this.rng,
      simulator: this.simulator,
      config: this.config,
      episode,
      learningRate,
      clip: (grads) => this.clip(grads),
    });
    const seconds = (performance.now() - started) / 1000;
    this.episode = episode;
    return { episode, loss: out.loss, learningRate, families: out.families, statesPerSecond: out.states / seconds, msPerStep: (1000 * seconds) / Math.max(1, out.steps), steps: out.steps };
  }

  /**
   * Fresh states for evaluation: the current paths continued under a separate random stream (so
   * evaluating never changes the training run), after `burnIn` periods, `count` states in all.
   */
  freshStates(count: number, burnIn: number, streamLabel: string): Float32Array {
    const rng = Rng.fromSeed(`${this.seed}:${streamLabel}`);
    const sim = new Simulator(this.model, this.simulator.paths, rng, this.simulator.states.slice());
    for (let t = 0; t < burnIn; t++) sim.step(this.net, rng);
    const periods = Math.ceil(count / sim.paths);
    return sim.run(this.net, periods, rng).subarray(0, count * this.model.stateDim);
  }

  /** True when the stop criterion holds on `stats`. */
  meetsStopCriterion(stats: ErrorTable['families']): boolean {
    const stop = this.config.stopAt;
    if (!stop) return false;
    const families = stop.families ?? this.model.residualFamilies;
    return families.every((f) => stats[f] && stats[f].mean < stop.meanError && stats[f].max < stop.maxError);
  }
}

export interface ErrorTable {
  /** Statistics of |residual| per residual family. */
  families: Record<string, ErrorStats>;
  /** Statistics of the relative policy error against a known exact solution, per policy (if the model has one). */
  policyError: Record<string, ErrorStats>;
}

/** Error statistics of every residual family (and policy errors) at `states`, in chunks. */
export function errorTable(model: DynamicModel, net: Mlp, states: Float32Array, chunk = 4096): ErrorTable {
  const dim = model.stateDim;
  const n = states.length / dim;
  const collected = { families: {} as Record<string, number[][]>, policyError: {} as Record<string, number[][]> };
  const push = (into: Record<string, number[][]>, name: string, t: tf.Tensor) => (into[name] ??= []).push(Array.from(t.dataSync()));
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    tf.tidy(() => {
      const x = tf.tensor2d(states.subarray(start * dim, (start + size) * dim), [size, dim]);
      const { policy, residuals } = evaluateResiduals(model, networkPolicy(model, net), x);
      for (const f of model.residualFamilies) push(collected.families, f, residuals[f]);
      const reference = model.referenceErrors?.(x, policy) ?? {};
      for (const [name, e] of Object.entries(reference)) push(collected.policyError, name, e);
    });
  }
  const summarise = (parts: Record<string, number[][]>) =>
    Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, errorStats(v.flat())]));
  return { families: summarise(collected.families), policyError: summarise(collected.policyError) };
}
