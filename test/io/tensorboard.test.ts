import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c, maskCrc32c, maskedCrc32c } from '../../src/io/crc32c.ts';
import { DT_DOUBLE, DT_FLOAT, decodeEvent, encodeEvent } from '../../src/io/protobuf.ts';
import { FILE_VERSION, NullLogger, SummaryWriter, readEvents, readRecords, readScalars, scalarEvent, type ScalarLogger } from '../../src/io/tensorboard.ts';
import { UsageError } from '../../src/io/errors.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tensorboard');
const LINGVO = join(FIXTURES, 'lingvo-events.out.tfevents.test');
const TF2 = join(FIXTURES, 'go-tensorboard-events.out.tfevents.1585499054.v2');

const ascii = (s: string) => new TextEncoder().encode(s);

describe('CRC-32C', () => {
  it('matches the standard check value and the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('masks as TFRecord does: rotate right 15, add 0xa282ead8 mod 2^32', () => {
    // Independent BigInt evaluation of the formula.
    const reference = (c: number) => Number((((BigInt(c) >> 15n) | ((BigInt(c) << 17n) & 0xffffffffn)) + 0xa282ead8n) % 2n ** 32n);
    for (const c of [0, 1, 0xe3069283, 0xffffffff, 0x80000000, 0x7fff]) expect(maskCrc32c(c)).toBe(reference(c));
    // The first record header of a TensorFlow-written file carries the masked CRC of its 8 length bytes.
    const bytes = readFileSync(TF2);
    expect(maskedCrc32c(bytes.subarray(0, 8))).toBe(bytes.readUInt32LE(8));
  });
});

describe('protobuf decoder', () => {
  const key = (field: number, wire: number) => [(field << 3) | wire];
  const lenDelim = (field: number, body: number[]) => [...key(field, 2), body.length, ...body];
  const f32 = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];
  const f64 = (v: number) => [...new Uint8Array(new Float64Array([v]).buffer)];

  it('skips unknown fields of every wire type, including nested groups', () => {
    const value = [
      ...lenDelim(1, [...ascii('x')]),
      ...key(3, 0), 0x96, 0x01, // unknown varint field
      ...key(2, 5), ...f32(2.5),
    ];
    const bytes = Uint8Array.from([
      ...key(1, 1), ...f64(1234.5),
      ...lenDelim(4, [1, 2, 3]), // graph_def: length-delimited, skipped
      ...key(2, 0), 0xe8, 0x07, // step = 1000
      ...key(6, 5), 1, 2, 3, 4, // unknown fixed32
      ...key(7, 1), ...f64(9), // unknown fixed64
      ...key(10, 3), ...key(1, 0), 5, ...key(11, 3), ...key(1, 5), 0, 0, 0, 0, ...key(11, 4), ...key(10, 4), // nested groups
      ...key(12, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // unknown 10-byte varint
      ...lenDelim(5, lenDelim(1, value)),
    ]);
    expect(decodeEvent(bytes)).toEqual({ wallTime: 1234.5, step: 1000, summary: [{ tag: 'x', simpleValue: 2.5 }] });
  });

  it('reads packed and unpacked float_val/double_val and double tensor_content', () => {
    const event = (tensor: number[]) =>
      Uint8Array.from([...key(1, 1), ...f64(0), ...lenDelim(5, lenDelim(1, [...lenDelim(1, [...ascii('t')]), ...lenDelim(8, tensor)]))]);
    const packed = decodeEvent(event([...key(1, 0), DT_FLOAT, ...lenDelim(5, [...f32(0.25), ...f32(-3)])]));
    expect(packed.summary![0].tensor!.floatVal).toEqual([0.25, -3]);
    const unpacked = decodeEvent(event([...key(1, 0), DT_DOUBLE, ...key(6, 1), ...f64(0.1), ...key(6, 1), ...f64(0.2)]));
    expect(unpacked.summary![0].tensor!.doubleVal).toEqual([0.1, 0.2]);
    const content = decodeEvent(event([...key(1, 0), DT_DOUBLE, ...lenDelim(4, f64(Math.PI))]));
    expect(content.summary![0].tensor!.dtype).toBe(DT_DOUBLE);
    expect(Array.from(content.summary![0].tensor!.tensorContent)).toEqual(f64(Math.PI));
  });

  it('rejects malformed input instead of misreading it', () => {
    expect(() => decodeEvent(Uint8Array.from([...key(5, 2), 10, 1]))).toThrow(/overruns/);
    expect(() => decodeEvent(Uint8Array.from([...key(1, 7)]))).toThrow(/invalid wire type 7/);
    expect(() => decodeEvent(Uint8Array.from([...key(10, 3), ...key(9, 4)]))).toThrow(/group 10 closed by end tag 9/);
  });
});

describe('SummaryWriter → reader round trip', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'deqn-tb-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const logged = [
    { tag: 'loss', values: [1 / 3, 0.1, 1e-8, 12345.678] },
    { tag: 'error/euler_mean', values: [-2.5, Math.E, 7e-4, 0] },
    { tag: 'lr', values: [1e-3, 1e-3, 5e-4, 2.5e-4] },
  ];

  function writeEpisodes(writer: ScalarLogger, firstStep: number) {
    logged[0].values.forEach((_, i) => {
      for (const { tag, values } of logged) writer.scalar(tag, values[i], firstStep + i);
      writer.flush();
    });
  }

  it('writes a TensorBoard event file that reads back to float32 precision', () => {
    const writer = new SummaryWriter(join(dir, 'run-a'));
    writeEpisodes(writer, 1);
    writer.close();

    const files = readdirSync(join(dir, 'run-a'));
    expect(files).toHaveLength(1);
    const host = hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(files[0]).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${host}$`));
    expect(writer.file).toBe(join(dir, 'run-a', files[0]));
    const seconds = Number(files[0].split('.')[3]);
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(600);

    const events = readEvents(writer.file);
    expect(events).toHaveLength(1 + 3 * 4);
    expect(events[0].fileVersion).toBe(FILE_VERSION);
    expect(events[0].summary).toBeUndefined();

    const scalars = readScalars(join(dir, 'run-a'));
    expect([...scalars.keys()]).toEqual(logged.map((l) => l.tag));
    for (const { tag, values } of logged) {
      const series = scalars.get(tag)!;
      expect(series.map((p) => p.step)).toEqual([1, 2, 3, 4]);
      expect(series.map((p) => p.value)).toEqual(values.map(Math.fround)); // exact float32 rounding
      for (const p of series) expect(Math.abs(p.wallTime - seconds)).toBeLessThan(600);
    }
  });

  it('keeps flushed records when the process dies, and merges a resumed run written to a second file', () => {
    const runDir = join(dir, 'run-b');
    const first = new SummaryWriter(runDir);
    writeEpisodes(first, 1);
    first.scalar('loss', 99, 5); // logged but never flushed: a kill now loses only this
    // No close(): read the file as a crash would leave it.
    expect(readScalars(first.file).get('loss')!.map((p) => p.step)).toEqual([1, 2, 3, 4]);

    const resumed = new SummaryWriter(runDir);
    expect(resumed.file).not.toBe(first.file);
    writeEpisodes(resumed, 5);
    resumed.close();
    const loss = readScalars(runDir).get('loss')!;
    expect(loss.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => resumed.scalar('loss', 1, 9)).toThrow(/after close/);
  });

  it('detects a corrupted byte in a payload or in a length field, naming file and record', () => {
    const writer = new SummaryWriter(join(dir, 'run-c'));
    writeEpisodes(writer, 1);
    writer.close();
    const good = readFileSync(writer.file);
    const recordStart = (index: number) => {
      let pos = 0;
      for (let i = 0; i < index; i++) pos += 16 + Number(good.readBigUInt64LE(pos));
      return pos;
    };

    const payloadHit = Buffer.from(good);
    payloadHit[recordStart(3) + 12 + 5] ^= 0x01;
    writeFileSync(writer.file, payloadHit);
    expect(() => readEvents(writer.file)).toThrow(UsageError);
    expect(() => readEvents(writer.file)).toThrow(`${writer.file}: record 3 (byte ${recordStart(3)}): payload CRC mismatch`);

    const lengthHit = Buffer.from(good);
    lengthHit[recordStart(7) + 1] ^= 0x40;
    writeFileSync(writer.file, lengthHit);
    expect(() => readScalars(writer.file)).toThrow(`${writer.file}: record 7 (byte ${recordStart(7)}): length CRC mismatch`);

    writeFileSync(writer.file, good.subarray(0, good.length - 3));
    expect(() => readEvents(writer.file)).toThrow(/record 12 .*truncated payload/);
  });

  it('NullLogger accepts the same calls and writes nothing', () => {
    const logger: ScalarLogger = new NullLogger();
    writeEpisodes(logger, 1);
    logger.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('reader on files written by TensorFlow', () => {
  it('reads the TF 1.x lingvo file (legacy simple_value scalars)', () => {
    expect(readRecords(LINGVO)).toHaveLength(361);
    expect(readEvents(LINGVO)[0].fileVersion).toBe('brain.Event:2');
    const scalars = readScalars(LINGVO);
    expect([...scalars.keys()].sort()).toEqual([
      'bleu/dev', 'bleu/split:dev', 'brevity_penalty/dev', 'brevity_penalty/split:dev',
      'log_perplexity/dev', 'log_perplexity/split:dev', 'runtime/sentence/sec',
    ]);
    for (const series of scalars.values()) {
      expect(series).toHaveLength(360);
      expect(series[0].step).toBe(1500);
      expect(series.at(-1)!.step).toBe(185200);
    }
    const bleu = scalars.get('bleu/dev')!;
    expect(bleu.at(-1)!.value).toBeCloseTo(0.2852171, 7);
    const best = bleu.reduce((a, b) => (b.value > a.value ? b : a));
    expect(best.step).toBe(102600);
  });

  it('reads the TF 2.x go-tensorboard file (rank-0 float tensors, "scalars" plugin)', () => {
    expect(readRecords(TF2)).toHaveLength(101);
    const scalars = readScalars(TF2);
    expect([...scalars.keys()]).toEqual(['my_metric']);
    const series = scalars.get('my_metric')!;
    expect(series.map((p) => p.step)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const p of series) expect(p.value).toBe(0.5 * p.step); // exact in float32
    expect(series[0].wallTime).toBeCloseTo(1585499054, -1);
  });

  it('our writer encodes a scalar event exactly as TF 2.x tf.summary.scalar does', () => {
    const tfEvents = readEvents(TF2);
    const tfPayloads = readRecords(TF2);
    // The file_version event, byte for byte.
    expect(encodeEvent({ wallTime: tfEvents[0].wallTime, step: 0, fileVersion: FILE_VERSION })).toEqual(tfPayloads[0]);
    for (let i = 1; i < tfEvents.length; i++) {
      const { wallTime, step } = tfEvents[i];
      const ours = encodeEvent(scalarEvent('my_metric', 0.5 * step, step, wallTime));
      expect(ours).toEqual(tfPayloads[i]);
      expect(decodeEvent(ours)).toEqual(tfEvents[i]);
    }
    const value = tfEvents[1].summary![0];
    expect(value.metadata!.pluginName).toBe('scalars');
    expect(value.tensor!.dtype).toBe(DT_FLOAT);
    expect(value.tensor!.shape).toEqual([]);
  });
});
