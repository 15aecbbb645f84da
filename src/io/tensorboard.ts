// TensorBoard event files: a writer for training scalars and a verifying reader.
//
// File format (TFRecord): each record is
//   uint64 LE payload length | uint32 LE masked CRC-32C of those 8 bytes | payload | uint32 LE masked CRC-32C of payload
// and each payload is a serialized tensorflow.Event. The first event carries file_version "brain.Event:2".
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { maskedCrc32c } from './crc32c.ts';
import { DT_DOUBLE, DT_FLOAT, decodeEvent, encodeEvent, type SummaryValue, type TensorProto, type TfEvent } from './protobuf.ts';
import { UsageError } from './errors.ts';

export type { TfEvent, SummaryValue, TensorProto } from './protobuf.ts';

export const FILE_VERSION = 'brain.Event:2';
const SCALARS_PLUGIN = 'scalars';

/** What the trainer logs to. `SummaryWriter` writes TensorBoard files; `NullLogger` drops everything. */
export interface ScalarLogger {
  scalar(tag: string, value: number, step: number): void;
  /** Makes everything logged so far durable against the process being killed. */
  flush(): void;
  close(): void;
}

export class NullLogger implements ScalarLogger {
  scalar(_tag: string, _value: number, _step: number): void {}
  flush(): void {}
  close(): void {}
}

// ---------------------------------------------------------------------------------------------
// Record framing

export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 16);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(payload.length), true);
  dv.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(payload, 12);
  dv.setUint32(12 + payload.length, maskedCrc32c(payload), true);
  return out;
}

/** Splits a TFRecord file into payloads, verifying both CRCs of every record. */
export function readRecords(file: string): Uint8Array[] {
  const buf = new Uint8Array(readFileSync(file));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const where = `${file}: record ${records.length} (byte ${pos})`;
    if (pos + 12 > buf.length) throw new UsageError(`${where}: truncated header (${buf.length - pos} bytes left, 12 needed)`);
    if (dv.getUint32(pos + 8, true) !== maskedCrc32c(buf.subarray(pos, pos + 8))) {
      throw new UsageError(`${where}: length CRC mismatch; the event file is corrupt`);
    }
    const length = Number(dv.getBigUint64(pos, true));
    const end = pos + 12 + length;
    if (end + 4 > buf.length) throw new UsageError(`${where}: truncated payload (length ${length}, ${buf.length - pos - 12} bytes left)`);
    const payload = buf.subarray(pos + 12, end);
    if (dv.getUint32(end, true) !== maskedCrc32c(payload)) {
      throw new UsageError(`${where}: payload CRC mismatch; the event file is corrupt`);
    }
    records.push(payload);
    pos = end + 4;
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// Writer

/**
 * One training scalar as TF2's `tf.summary.scalar` writes it: a rank-0 DT_FLOAT tensor in
 * tensor_content, tagged with the "scalars" plugin. This is TensorBoard's native form (it converts
 * legacy simple_value into exactly this on load, and its scalar dashboard only lists tensors whose
 * plugin is "scalars"), so the file needs no migration and matches TF2-written files byte for byte.
 * Values are stored as float32, like every TensorBoard scalar from TensorFlow.
 */
export function scalarEvent(tag: string, value: number, step: number, wallTime: number): TfEvent {
  const content = new Uint8Array(4);
  new DataView(content.buffer).setFloat32(0, value, true);
  return {
    wallTime,
    step,
    summary: [
      {
        tag,
        tensor: { dtype: DT_FLOAT, shape: [], floatVal: [], doubleVal: [], tensorContent: content },
        metadata: { pluginName: SCALARS_PLUGIN, pluginContent: new Uint8Array(0) },
      },
    ],
  };
}

/** Picks `<dir>/events.out.tfevents.<seconds>.<host>`, adding `.1`, `.2`… if a run restarted within the same second. */
function newEventFileName(logDir: string): string {
  const base = join(logDir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}`);
  let file = base;
  for (let n = 1; existsSync(file); n++) file = `${base}.${n}`;
  return file;
}

/**
 * Writes scalars to a new event file in `logDir`. Records are buffered by `scalar()` and written
 * by `flush()` (the trainer flushes once per episode); once written, a killed process loses
 * nothing. A resumed run opens a new file in the same directory and TensorBoard merges them.
 */
export class SummaryWriter implements ScalarLogger {
  readonly file: string;
  private fd: number | undefined;
  private pending: Uint8Array[] = [];

  constructor(logDir: string) {
    mkdirSync(logDir, { recursive: true });
    this.file = newEventFileName(logDir);
    this.fd = openSync(this.file, 'ax'); // 'x': never interleave with another writer's file
    this.pending.push(frameRecord(encodeEvent({ wallTime: Date.now() / 1000, step: 0, fileVersion: FILE_VERSION })));
    this.flush();
  }

  scalar(tag: string, value: number, step: number): void {
    if (this.fd === undefined) throw new Error(`SummaryWriter: scalar "${tag}" logged after close() (${this.file})`);
    if (tag.length === 0) throw new Error('SummaryWriter: empty tag');
    if (!Number.isSafeInteger(step)) throw new Error(`SummaryWriter: step of "${tag}" must be an integer, got ${step}`);
    this.pending.push(frameRecord(encodeEvent(scalarEvent(tag, value, step, Date.now() / 1000))));
  }

  flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    const total = this.pending.reduce((n, r) => n + r.length, 0);
    const batch = new Uint8Array(total);
    let offset = 0;
    for (const r of this.pending) {
      batch.set(r, offset);
      offset += r.length;
    }
    this.pending = [];
    // One append per flush: the file only ever grows by whole records (bar a crash inside the write).
    for (let written = 0; written < batch.length; ) written += writeSync(this.fd, batch, written);
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Reader

export interface ScalarPoint {
  step: number;
  /** Seconds since the Unix epoch. */
  wallTime: number;
  value: number;
}

/** Decodes every event of a file, in order, after verifying every record's CRCs. */
export function readEvents(file: string): TfEvent[] {
  return readRecords(file).map((payload, i) => {
    try {
      return decodeEvent(payload);
    } catch (err) {
      throw new UsageError(`${file}: record ${i}: cannot decode Event (${(err as Error).message})`);
    }
  });
}

/** The single value of a float or double scalar tensor, or undefined for anything else. */
function tensorScalar(t: TensorProto): number | undefined {
  if (t.shape.some((size) => size !== 1)) return undefined;
  if (t.dtype === DT_FLOAT) {
    if (t.floatVal.length > 0) return t.floatVal[0];
    if (t.tensorContent.length === 4) return new DataView(t.tensorContent.buffer, t.tensorContent.byteOffset, 4).getFloat32(0, true);
  } else if (t.dtype === DT_DOUBLE) {
    if (t.doubleVal.length > 0) return t.doubleVal[0];
    if (t.tensorContent.length === 8) return new DataView(t.tensorContent.buffer, t.tensorContent.byteOffset, 8).getFloat64(0, true);
  }
  return undefined;
}

/** Event files of a run directory (names containing "tfevents"), oldest first by name; or the file itself. */
export function eventFiles(dirOrFile: string): string[] {
  if (!statSync(dirOrFile).isDirectory()) return [dirOrFile];
  return readdirSync(dirOrFile)
    .filter((name) => name.includes('tfevents'))
    .sort()
    .map((name) => join(dirOrFile, name));
}

/**
 * Scalars by tag from an event file or a run directory, in file order. Reads legacy simple_value
 * scalars and TF2 tensor scalars; a tensor counts when its tag's plugin is "scalars" (TensorFlow may
 * send the plugin metadata only with a tag's first value, so it is remembered per tag).
 */
export function readScalars(dirOrFile: string): Map<string, ScalarPoint[]> {
  const files = eventFiles(dirOrFile);
  if (files.length === 0) throw new UsageError(`${dirOrFile}: no TensorBoard event files (events.out.tfevents.*) found`);
  const scalars = new Map<string, ScalarPoint[]>();
  const pluginOfTag = new Map<string, string>();
  const add = (tag: string, point: ScalarPoint) => {
    const series = scalars.get(tag);
    if (series) series.push(point);
    else scalars.set(tag, [point]);
  };
  for (const file of files) {
    for (const event of readEvents(file)) {
      for (const v of event.summary ?? []) {
        if (v.metadata && !pluginOfTag.has(v.tag)) pluginOfTag.set(v.tag, v.metadata.pluginName);
        const value = valueOf(v, pluginOfTag.get(v.tag));
        if (value !== undefined) add(v.tag, { step: event.step, wallTime: event.wallTime, value });
      }
    }
  }
  return scalars;
}

function valueOf(v: SummaryValue, plugin: string | undefined): number | undefined {
  if (v.simpleValue !== undefined) return v.simpleValue;
  if (v.tensor && plugin === SCALARS_PLUGIN) return tensorScalar(v.tensor);
  return undefined;
}

