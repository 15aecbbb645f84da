// A training run on disk: builds the model, network and trainer from a config (or a checkpoint),
// runs episodes, logs scalars to TensorBoard and writes checkpoints. The CLI (train, evaluate) and
// the benchmarks drive runs through this module; the engine in src/deqn knows nothing of files.
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { tf } from '../tensor/backend.ts';
import { Rng } from '../tensor/rng.ts';
import { Mlp } from '../deqn/network.ts';
import { widenHiddenLayers } from '../deqn/widen.ts';
import { Trainer, errorTable, type EpisodeMetrics, type ErrorTable } from '../deqn/trainer.ts';
import type { DynamicModel } from '../deqn/model.ts';
import { DYNAMIC_MODELS } from '../models/registry.ts';
import { validateRunConfig, type RunConfig } from '../io/run-config.ts';
import { readSnapshot, writeRunConfig, writeSnapshot, type LoadedSnapshot, type Snapshot } from '../io/checkpoint.ts';
import { readJsonFile } from '../io/json-file.ts';
import { NullLogger, SummaryWriter, type ScalarLogger } from '../io/tensorboard.ts';
import { UsageError } from '../io/errors.ts';

export interface RunLocations {
  /** Parent of checkpoints/<run-id>/ (default ./checkpoints). */
  checkpointsRoot: string;
  /** Parent of runs/<run-id>/ TensorBoard logs (default ./runs); undefined disables logging. */
  runsRoot?: string;
}

export const DEFAULT_LOCATIONS: RunLocations = { checkpointsRoot: 'checkpoints', runsRoot: 'runs' };

export class TrainingRun {
  readonly runId: string;
  readonly config: RunConfig;
  readonly model: DynamicModel;
  readonly net: Mlp;
  readonly trainer: Trainer;
  readonly runDir: string;
  private logger: ScalarLogger = new NullLogger();

  private constructor(runId: string, config: RunConfig, runDir: string, rng: Rng) {
    this.runId = runId;
    this.config = config;
    this.runDir = runDir;
    this.model = DYNAMIC_MODELS[config.model].create(config.params);
    this.net = new Mlp({ inputDim: this.model.featureDim, outputs: this.model.outputs, ...config.network }, rng);
    this.trainer = new Trainer(this.model, this.net, config.training, config.seed, rng);
  }

  /**
   * A new run; refuses to overwrite an existing run directory. With `initFrom` (a checkpoint
   * directory or snapshot) the network starts from that checkpoint's weights instead of a random
   * draw: a fine-tune under the new config's schedule and panel. Everything else starts fresh (episode
   * counter, Adam moments, simulated states, Rng), so the config's learning-rate schedule runs from its
   * first episode; the source is recorded in <run>/init-from.json. With `resetOutput` the main
   * network's output layer is zeroed after the copy: the hidden features are kept while the outputs
   * start at their zero point (e.g. params.householdBaseline of ha-trade, where zero is a known policy).
   * With `widen` the config's network.hidden may be wider than the source's (same depth): the main
   * network is widened function-preservingly (src/deqn/widen.ts), so the fine-tune starts from the
   * source's policy with more capacity; towers must match exactly.
   */
  static create(config: RunConfig, runId: string, where: RunLocations = DEFAULT_LOCATIONS, initFrom?: string, opts: { resetOutput?: boolean; widen?: boolean } = {}): TrainingRun {
    const runDir = resolve(where.checkpointsRoot, runId);
    if (existsSync(runDir)) {
      throw new UsageError(`run "${runId}" already exists in ${where.checkpointsRoot}/; continue it with --resume ${runId} or choose another --name`);
    }
    const source = initFrom === undefined ? undefined : readSnapshot(initFrom);
    if (opts.resetOutput && !source) throw new UsageError('--reset-output needs --init-from (it zeroes the output layer of the weights taken from a checkpoint)');
    if (opts.widen && !source) throw new UsageError('--widen needs --init-from (it widens the weights taken from a checkpoint)');
    const run = new TrainingRun(runId, config, runDir, Rng.fromSeed(config.seed));
    if (source) run.initialiseWeights(source, config.model, opts.widen === true);
    if (opts.resetOutput) run.net.zeroTrunkOutput();
    writeRunConfig(runDir, config);
    if (source) {
      const record = {
        source: relative(process.cwd(), resolve(source.dir)),
        sourceRunId: source.manifest.runId,
        sourceEpisode: source.episode,
        sourceGitRevision: source.manifest.gitRevision,
        ...(opts.resetOutput ? { resetOutput: true } : {}),
        ...(opts.widen ? { widenedFrom: hiddenWidthsOf(source, run.net.trunkVariables.length), widenedTo: config.network.hidden } : {}),
      };
      writeFileSync(join(runDir, 'init-from.json'), JSON.stringify(record, null, 2) + '\n');
    }
    run.trainer.burnIn();
    run.openLogger(where);
    return run;
  }

  /** Continues run `runId` from its latest snapshot; `episodes` may raise the episode budget. */
  static resume(runId: string, where: RunLocations = DEFAULT_LOCATIONS, episodes?: number): TrainingRun {
    const runDir = resolve(where.checkpointsRoot, runId);
    if (!existsSync(runDir)) throw new UsageError(`--resume ${runId}: no run directory ${join(where.checkpointsRoot, runId)}`);
    const run = TrainingRun.fromSnapshot(readSnapshot(runDir), episodes);
    run.openLogger(where);
    return run;
  }

  /** Rebuilds a run from a checkpoint for evaluation (nothing is written). */
  static load(checkpointPath: string): TrainingRun {
    return TrainingRun.fromSnapshot(readSnapshot(checkpointPath));
  }

  private static fromSnapshot(snap: LoadedSnapshot, episodes?: number): TrainingRun {
    const configFile = join(snap.runDir, 'config.json');
    const config = validateRunConfig(readJsonFile(configFile, 'run config'), configFile);
    if (episodes !== undefined) config.training.episodes = episodes;
    if (config.model !== snap.manifest.model) {
      throw new UsageError(`${snap.dir}: checkpoint is of model "${snap.manifest.model}" but ${configFile} names "${config.model}"`);
    }
    const run = new TrainingRun(snap.manifest.runId, config, snap.runDir, Rng.fromSeed(config.seed));
    run.restore(snap);
    return run;
  }

  private restore(snap: LoadedSnapshot): void {
    const expected = this.net.variables.map((v) => v.shape.join('x')).join(',');
    const found = snap.weights.map((w) => w.shape.join('x')).join(',');
    if (expected !== found) {
      throw new UsageError(`${snap.dir}: checkpoint weights (${found}) do not match the network of its config (${expected})`);
    }
    const statesExpected = this.trainer.simulator.states.length;
    if (snap.simulationStates.values.length !== statesExpected) {
      throw new UsageError(`${snap.dir}: checkpoint holds ${snap.simulationStates.values.length} simulation values, the config needs ${statesExpected}`);
    }
    this.net.setWeightValues(snap.weights.map((w) => w.values));
    this.trainer.adam.setState(snap.adamIterations, snap.optimizer.map((o) => o.values));
    this.trainer.rng = Rng.fromState(snap.rngState);
    this.trainer.simulator.states = snap.simulationStates.values;
    this.trainer.episode = snap.episode;
  }

  /**
   * Network weights from another run's snapshot (model and shapes must match this run's config; with
   * `widen`, the main network's hidden layers may be wider than the snapshot's).
   */
  private initialiseWeights(snap: LoadedSnapshot, model: string, widen: boolean): void {
    if (snap.manifest.model !== model) throw new UsageError(`--init-from ${snap.dir}: checkpoint is of model "${snap.manifest.model}", the config trains "${model}"`);
    if (widen) {
      this.net.setWeightValues(this.widenedWeights(snap));
      return;
    }
    const expected = this.net.variables.map((v) => v.shape.join('x')).join(',');
    const found = snap.weights.map((w) => w.shape.join('x')).join(',');
    if (expected !== found) {
      throw new UsageError(`--init-from ${snap.dir}: checkpoint weights (${found}) do not match the network of the config (${expected}); network.hidden, activation and the model's inputs must be the same (or pass --widen for wider hidden layers)`);
    }
    this.net.setWeightValues(snap.weights.map((w) => w.values));
  }

  /** The snapshot's weights with the main network widened to this run's hidden widths (towers copied). */
  private widenedWeights(snap: LoadedSnapshot): Float32Array[] {
    const trunk = this.net.trunkVariables.length;
    const mine = this.net.variables.map((v) => v.shape.join('x'));
    const theirs = snap.weights.map((w) => w.shape.join('x'));
    const mismatch = (why: string) => new UsageError(`--init-from ${snap.dir} --widen: ${why} (checkpoint ${theirs.join(',')}, config ${mine.join(',')})`);
    if (theirs.length !== mine.length) throw mismatch('the networks differ in depth or towers; --widen changes only the widths of the main hidden layers');
    if (theirs.slice(trunk).join(',') !== mine.slice(trunk).join(',')) throw mismatch('the towers differ; they must match exactly');
    const inputDim = snap.weights[0].shape[0];
    const oldHidden = hiddenWidthsOf(snap, trunk);
    const newHidden = [...this.config.network.hidden];
    if (this.net.variables[0].shape[0] !== inputDim || this.net.variables[trunk - 1].shape[0] !== snap.weights[trunk - 1].shape[0]) {
      throw mismatch('the main network\'s inputs or outputs differ');
    }
    let widened: number[][];
    try {
      widened = widenHiddenLayers(snap.weights.slice(0, trunk).map((w) => w.values), inputDim, oldHidden, newHidden, Rng.fromSeed(`widen:${this.config.seed}`));
    } catch (e) {
      throw mismatch((e as Error).message);
    }
    return [...widened.map((w) => Float32Array.from(w)), ...snap.weights.slice(trunk).map((w) => w.values)];
  }

  private openLogger(where: RunLocations): void {
    if (where.runsRoot) this.logger = new SummaryWriter(join(where.runsRoot, this.runId));
  }

  snapshot(): Snapshot {
    const vars = this.net.variables;
    // Adam's state is [first moments..., second moments...] in variable order.
    const named = (values: Float32Array[], prefix: (i: number) => string) =>
      values.map((v, i) => ({ name: prefix(i) + this.net.names[i % vars.length], shape: vars[i % vars.length].shape, values: v }));
    return {
      episode: this.trainer.episode,
      rngState: this.trainer.rng.state(),
      adamIterations: this.trainer.adam.iterations,
      weights: named(this.net.weightValues(), () => ''),
      optimizer: named(this.trainer.adam.stateValues(), (i) => (i < vars.length ? 'adam/m/' : 'adam/v/')),
      simulationStates: { shape: [this.trainer.simulator.paths, this.model.stateDim], values: this.trainer.simulator.states.slice() },
    };
  }

  save(): string {
    return writeSnapshot(this.runDir, this.runId, this.config.model, this.config.seed, this.snapshot(), this.config.checkpoint.keep);
  }

  /** Error table on `states` fresh simulated states (a separate random stream labelled `label`). */
  evaluate(states: number, label: string): ErrorTable {
    const fresh = this.trainer.freshStates(states, this.config.evaluation.burnInPeriods, label);
    return errorTable(this.model, this.net, fresh);
  }

  /** Hidden units per layer inactive at every one of `states` (row-major states of the model). */
  inactiveUnits(states: Float32Array): number[] {
    const x = tf.tensor2d(states, [states.length / this.model.stateDim, this.model.stateDim]);
    const features = this.model.features(x);
    const counts = this.net.inactiveUnits(features);
    tf.dispose([x, features]);
    return counts;
  }

  /**
   * Trains until the episode budget is spent, the stop criterion holds, or `interrupted()` turns
   * true (then the current episode finishes and is saved). Returns why it stopped. Between episodes
   * it yields to the event loop, so signal handlers (Ctrl-C, SIGTERM) get to run.
   */
  async train(onEpisode: (m: EpisodeMetrics) => void, interrupted: () => boolean = () => false): Promise<'budget' | 'converged' | 'interrupted'> {
    const { training, checkpoint } = this.config;
    while (this.trainer.episode < training.episodes) {
      const m = this.trainer.runEpisode();
      if (!Number.isFinite(m.loss)) {
        throw new UsageError(
          `training diverged at episode ${m.episode} (loss ${m.loss}); lower training.learningRate or tighten training.clipGradients in the config; the last good checkpoint is in ${this.runDir}`,
        );
      }
      const stop = training.stopAt;
      let converged = false;
      if (stop && m.episode % stop.checkEvery === 0) {
        const fresh = this.trainer.freshStates(stop.states, this.config.evaluation.burnInPeriods, `check:${m.episode}`);
        m.check = errorTable(this.model, this.net, fresh);
        m.inactiveUnits = this.inactiveUnits(fresh);
        converged = this.trainer.meetsStopCriterion(m.check.families);
      }
      this.log(m);
      onEpisode(m);
      await new Promise<void>((resolve) => setImmediate(resolve));
      const stopping = interrupted();
      const last = converged || stopping || this.trainer.episode >= training.episodes;
      if (m.episode % checkpoint.every === 0 || last) this.save();
      if (converged) return 'converged';
      if (stopping) return 'interrupted';
    }
    return 'budget';
  }

  private log(m: EpisodeMetrics): void {
    const step = m.episode;
    this.logger.scalar('loss', m.loss, step);
    this.logger.scalar('learning_rate', m.learningRate, step);
    this.logger.scalar('states_per_second', m.statesPerSecond, step);
    for (const [f, s] of Object.entries(m.families)) {
      this.logger.scalar(`residuals/${f}/mean`, s.mean, step);
      this.logger.scalar(`residuals/${f}/max`, s.max, step);
    }
    for (const [f, s] of Object.entries(m.check?.families ?? {})) {
      this.logger.scalar(`fresh_states/${f}/mean`, s.mean, step);
      this.logger.scalar(`fresh_states/${f}/max`, s.max, step);
    }
    for (const [p, s] of Object.entries(m.check?.policyError ?? {})) this.logger.scalar(`policy_error/${p}/mean`, s.mean, step);
    m.inactiveUnits?.forEach((n, l) => this.logger.scalar(`network/inactive_units/layer_${l + 1}`, n, step));
    this.logger.flush();
  }

  close(): void {
    this.logger.close();
  }

  /** Frees the network and optimizer tensors (for programs that run several runs). */
  dispose(): void {
    this.close();
    this.trainer.adam.dispose();
    this.net.dispose();
  }
}

/** Hidden widths of a snapshot's main network (its first `trunkVariables` arrays: kernel, bias per layer). */
function hiddenWidthsOf(snap: LoadedSnapshot, trunkVariables: number): number[] {
  return snap.weights.slice(0, trunkVariables - 2).filter((_, k) => k % 2 === 0).map((w) => w.shape[1]);
}
