// Checkpoints of a training run: checkpoints/<run-id>/ holds the resolved config once and numbered
// snapshots (weights, Adam state, RNG state, simulation states, episode counter, package version).
// Every write goes to a temporary name first and is renamed into place, so a run killed mid-write
// leaves the previous snapshot intact.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, basename, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { UsageError } from './errors.ts';
import { readJsonFile } from './json-file.ts';
import { writeFileAtomic } from './tables.ts';
import { PACKAGE_VERSION } from './package-version.ts';
import type { RngState } from '../tensor/rng.ts';

export const CHECKPOINT_FORMAT = 'deqn-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements into tensors.bin. */
  offset: number;
}

export interface SnapshotManifest {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  packageVersion: string;
  gitRevision: string;
  runId: string;
  model: string;
  episode: number;
  seed: number;
  rngState: RngState;
  adamIterations: number;
  createdAt: string;
  weights: TensorEntry[];
  optimizer: TensorEntry[];
  simulation: TensorEntry;
}

export interface Snapshot {
  episode: number;
  rngState: RngState;
  adamIterations: number;
  weights: { name: string; shape: number[]; values: Float32Array }[];
  optimizer: { name: string; shape: number[]; values: Float32Array }[];
  simulationStates: { shape: number[]; values: Float32Array };
}

export interface LoadedSnapshot extends Snapshot {
  manifest: SnapshotManifest;
  /** Directory of the snapshot itself. */
  dir: string;
  /** The run directory (holds config.json). */
  runDir: string;
}

const snapshotName = (episode: number) => `episode-${String(episode).padStart(7, '0')}`;

function gitRevision(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** Writes the run's resolved config once (checkpoints/<run-id>/config.json). */
export function writeRunConfig(runDir: string, config: unknown): void {
  writeFileAtomic(join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
}

/** Writes a snapshot atomically, points latest.json at it, and keeps only the newest `keep` snapshots. */
export function writeSnapshot(runDir: string, runId: string, model: string, seed: number, snap: Snapshot, keep: number): string {
  const name = snapshotName(snap.episode);
  const finalDir = join(runDir, name);
  const tmpDir = join(runDir, `${name}.tmp-${process.pid}`);
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });

  // One float32 buffer; the manifest records each tensor's shape and offset in it.
  const tensors = [...snap.weights, ...snap.optimizer, { name: 'simulation-states', ...snap.simulationStates }];
  let offset = 0;
  const entries: TensorEntry[] = tensors.map((t) => {
    const e = { name: t.name, shape: t.shape, offset };
    offset += t.values.length;
    return e;
  });
  const all = new Float32Array(offset);
  tensors.forEach((t, i) => all.set(t.values, entries[i].offset));
  const weights = entries.slice(0, snap.weights.length);
  const optimizer = entries.slice(snap.weights.length, -1);
  const simulation = entries[entries.length - 1];
  const manifest: SnapshotManifest = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    packageVersion: PACKAGE_VERSION,
    gitRevision: gitRevision(),
    runId,
    model,
    episode: snap.episode,
    seed,
    rngState: snap.rngState,
    adamIterations: snap.adamIterations,
    createdAt: new Date().toISOString(),
    weights,
    optimizer,
    simulation,
  };
  writeFileSync(join(tmpDir, 'tensors.bin'), new Uint8Array(all.buffer));
  writeFileSync(join(tmpDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  rmSync(finalDir, { recursive: true, force: true });
  renameSync(tmpDir, finalDir);
  writeFileAtomic(join(runDir, 'latest.json'), JSON.stringify({ snapshot: name, episode: snap.episode }) + '\n');
  pruneSnapshots(runDir, keep);
  return finalDir;
}

function listSnapshots(runDir: string): string[] {
  return readdirSync(runDir)
    .filter((n) => /^episode-\d+$/.test(n))
    .sort();
}

function pruneSnapshots(runDir: string, keep: number): void {
  const names = listSnapshots(runDir);
  for (const old of names.slice(0, Math.max(0, names.length - keep))) rmSync(join(runDir, old), { recursive: true, force: true });
}

/**
 * Resolves a path given by the user to a snapshot directory: a run directory (its latest
 * snapshot) or a snapshot directory itself.
 */
export function resolveSnapshotDir(path: string): { runDir: string; snapshotDir: string } {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new UsageError(`${path}: checkpoint directory not found`);
  if (existsSync(join(abs, 'manifest.json'))) return { runDir: resolve(abs, '..'), snapshotDir: abs };
  const latestFile = join(abs, 'latest.json');
  if (!existsSync(latestFile)) throw new UsageError(`${path}: not a checkpoint (no latest.json or manifest.json inside)`);
  const latest = readJsonFile(latestFile, 'checkpoint pointer') as { snapshot?: unknown };
  if (typeof latest.snapshot !== 'string' || !existsSync(join(abs, latest.snapshot))) {
    throw new UsageError(`${latestFile}: field "snapshot": must name an existing snapshot directory in ${path}`);
  }
  return { runDir: abs, snapshotDir: join(abs, latest.snapshot) };
}

function checkManifest(m: Partial<SnapshotManifest>, file: string): SnapshotManifest {
  if (m.format !== CHECKPOINT_FORMAT) throw new UsageError(`${file}: field "format": expected "${CHECKPOINT_FORMAT}", found ${JSON.stringify(m.format)}`);
  if (m.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new UsageError(
      `${file}: field "formatVersion": checkpoint format ${m.formatVersion} is not supported by deqn-trade ${PACKAGE_VERSION} (supported: ${CHECKPOINT_FORMAT_VERSION})`,
    );
  }
  for (const key of ['episode', 'seed', 'adamIterations'] as const) {
    if (!Number.isInteger(m[key]) || (m[key] as number) < 0) throw new UsageError(`${file}: field "${key}": must be a non-negative integer`);
  }
  if (!Array.isArray(m.weights) || !Array.isArray(m.optimizer) || !m.simulation || !m.rngState) {
    throw new UsageError(`${file}: incomplete manifest (needs weights, optimizer, simulation and rngState)`);
  }
  return m as SnapshotManifest;
}

export function readSnapshot(path: string): LoadedSnapshot {
  const { runDir, snapshotDir } = resolveSnapshotDir(path);
  const manifestFile = join(snapshotDir, 'manifest.json');
  const manifest = checkManifest(readJsonFile(manifestFile, 'checkpoint manifest') as Partial<SnapshotManifest>, manifestFile);
  const binFile = join(snapshotDir, 'tensors.bin');
  if (!existsSync(binFile)) throw new UsageError(`${binFile}: checkpoint tensors not found`);
  const bytes = readFileSync(binFile);
  const entries = [...manifest.weights, ...manifest.optimizer, manifest.simulation];
  const expected = entries.reduce((n, e) => Math.max(n, e.offset + e.shape.reduce((a, b) => a * b, 1)), 0);
  if (bytes.byteLength !== 4 * expected) {
    throw new UsageError(`${binFile}: corrupt checkpoint: ${bytes.byteLength} bytes, manifest describes ${4 * expected}`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const read = (e: TensorEntry) => ({ name: e.name, shape: e.shape, values: all.slice(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1)) });
  return {
    manifest,
    dir: snapshotDir,
    runDir,
    episode: manifest.episode,
    rngState: manifest.rngState,
    adamIterations: manifest.adamIterations,
    weights: manifest.weights.map(read),
    optimizer: manifest.optimizer.map(read),
    simulationStates: read(manifest.simulation),
  };
}

/** The run id of a checkpoint run directory. */
export function runIdOf(runDir: string): string {
  return basename(runDir);
}
