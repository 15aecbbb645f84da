// A minimal protocol-buffers codec for exactly the TensorFlow messages a TensorBoard scalar log
// needs (tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto, tensor_shape.proto).
// Field numbers below are those of the .proto files. Decoding skips every field it does not know,
// of any wire type, so events written by TensorFlow (graphs, session logs, images…) pass through.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;

/** tensorflow.DataType values used for scalars. */
export const DT_FLOAT = 1;
export const DT_DOUBLE = 2;

export interface TensorProto {
  dtype: number;
  /** Dimension sizes; [] for a rank-0 scalar. */
  shape: number[];
  floatVal: number[];
  doubleVal: number[];
  /** Raw little-endian element bytes; empty when the values are in floatVal/doubleVal. */
  tensorContent: Uint8Array;
}

export interface SummaryMetadata {
  pluginName: string;
  pluginContent: Uint8Array;
}

export interface SummaryValue {
  tag: string;
  simpleValue?: number;
  metadata?: SummaryMetadata;
  tensor?: TensorProto;
}

export interface TfEvent {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: SummaryValue[];
}

// ---------------------------------------------------------------------------------------------
// Wire-level writer

class ProtoWriter {
  private bytes: number[] = [];
  private readonly scratch = new DataView(new ArrayBuffer(8));

  private varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private key(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  int64(field: number, value: number): void {
    this.key(field, WIRE_VARINT);
    this.varint(BigInt(value));
  }

  double(field: number, value: number): void {
    this.key(field, WIRE_FIXED64);
    this.scratch.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.bytes.push(this.scratch.getUint8(i));
  }

  float(field: number, value: number): void {
    this.key(field, WIRE_FIXED32);
    this.scratch.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.bytes.push(this.scratch.getUint8(i));
  }

  bytesField(field: number, value: Uint8Array): void {
    this.key(field, WIRE_LENGTH_DELIMITED);
    this.varint(BigInt(value.length));
    for (const b of value) this.bytes.push(b);
  }

  string(field: number, value: string): void {
    this.bytesField(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// Wire-level reader

interface Field {
  field: number;
  wireType: number;
  /** Varint value (wire type 0). */
  varint: bigint;
  /** Payload for wire types 1, 2 and 5 (8, n and 4 bytes). */
  data: Uint8Array;
}

class ProtoReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  private fail(what: string): never {
    throw new Error(`protobuf: ${what} at byte ${this.pos} of ${this.buf.length}`);
  }

  private readVarint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    this.fail('varint longer than 10 bytes');
  }

  private take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`field of ${n} bytes overruns the message`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Skips the body of a group whose start tag was just read, including nested groups. */
  private skipGroup(field: number): void {
    for (;;) {
      if (this.pos >= this.buf.length) this.fail(`unterminated group ${field}`);
      const next = this.next();
      if (next.wireType === WIRE_END_GROUP) {
        if (next.field !== field) this.fail(`group ${field} closed by end tag ${next.field}`);
        return;
      }
    }
  }

  /** Reads one field; groups (deprecated wire types 3/4) are consumed whole and returned empty. */
  private next(): Field {
    const key = Number(this.readVarint());
    const field = key >>> 3;
    const wireType = key & 7;
    const empty = new Uint8Array(0);
    switch (wireType) {
      case WIRE_VARINT:
        return { field, wireType, varint: this.readVarint(), data: empty };
      case WIRE_FIXED64:
        return { field, wireType, varint: 0n, data: this.take(8) };
      case WIRE_LENGTH_DELIMITED:
        return { field, wireType, varint: 0n, data: this.take(Number(this.readVarint())) };
      case WIRE_FIXED32:
        return { field, wireType, varint: 0n, data: this.take(4) };
      case WIRE_START_GROUP:
        this.skipGroup(field);
        return { field, wireType, varint: 0n, data: empty };
      case WIRE_END_GROUP:
        return { field, wireType, varint: 0n, data: empty };
      default:
        this.fail(`invalid wire type ${wireType} for field ${field}`);
    }
  }

  *fields(): Generator<Field> {
    while (this.pos < this.buf.length) {
      const f = this.next();
      if (f.wireType === WIRE_END_GROUP) this.fail(`unexpected end-group tag for field ${f.field}`);
      yield f;
    }
  }
}

function fieldsOf(buf: Uint8Array): Generator<Field> {
  return new ProtoReader(buf).fields();
}

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

function expectWire(f: Field, wireType: number, message: string): void {
  if (f.wireType !== wireType) {
    throw new Error(`protobuf: ${message} field ${f.field} has wire type ${f.wireType}, expected ${wireType}`);
  }
}

/** Repeated float/double fields may arrive packed (one length-delimited run) or one value per tag. */
function readRepeatedFloats(f: Field, bytesPerValue: 4 | 8, out: number[]): void {
  const single = bytesPerValue === 4 ? WIRE_FIXED32 : WIRE_FIXED64;
  if (f.wireType !== WIRE_LENGTH_DELIMITED) expectWire(f, single, 'TensorProto');
  if (f.data.length % bytesPerValue !== 0) throw new Error(`protobuf: packed field ${f.field} length ${f.data.length} is not a multiple of ${bytesPerValue}`);
  const dv = view(f.data);
  for (let i = 0; i < f.data.length; i += bytesPerValue) {
    out.push(bytesPerValue === 4 ? dv.getFloat32(i, true) : dv.getFloat64(i, true));
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// ---------------------------------------------------------------------------------------------
// Message codecs

// TensorShapeProto { repeated Dim dim = 2; bool unknown_rank = 3 }, Dim { int64 size = 1; string name = 2 }
function encodeShape(shape: readonly number[]): Uint8Array {
  const w = new ProtoWriter();
  for (const size of shape) {
    const dim = new ProtoWriter();
    if (size !== 0) dim.int64(1, size);
    w.bytesField(2, dim.finish());
  }
  return w.finish();
}

function decodeShape(buf: Uint8Array): number[] {
  const shape: number[] = [];
  for (const f of fieldsOf(buf)) {
    if (f.field !== 2) continue;
    expectWire(f, WIRE_LENGTH_DELIMITED, 'TensorShapeProto');
    let size = 0;
    for (const d of fieldsOf(f.data)) if (d.field === 1 && d.wireType === WIRE_VARINT) size = Number(BigInt.asIntN(64, d.varint));
    shape.push(size);
  }
  return shape;
}

// TensorProto { DataType dtype = 1; TensorShapeProto tensor_shape = 2; bytes tensor_content = 4;
//               repeated float float_val = 5 [packed]; repeated double double_val = 6 [packed] }
function encodeTensor(t: TensorProto): Uint8Array {
  const w = new ProtoWriter();
  if (t.dtype !== 0) w.int64(1, t.dtype);
  w.bytesField(2, encodeShape(t.shape)); // TF writes the (empty) shape message even for scalars
  if (t.tensorContent.length > 0) w.bytesField(4, t.tensorContent);
  if (t.floatVal.length > 0) {
    const packed = new DataView(new ArrayBuffer(4 * t.floatVal.length));
    t.floatVal.forEach((v, i) => packed.setFloat32(4 * i, v, true));
    w.bytesField(5, new Uint8Array(packed.buffer));
  }
  if (t.doubleVal.length > 0) {
    const packed = new DataView(new ArrayBuffer(8 * t.doubleVal.length));
    t.doubleVal.forEach((v, i) => packed.setFloat64(8 * i, v, true));
    w.bytesField(6, new Uint8Array(packed.buffer));
  }
  return w.finish();
}

function decodeTensor(buf: Uint8Array): TensorProto {
  const t: TensorProto = { dtype: 0, shape: [], floatVal: [], doubleVal: [], tensorContent: new Uint8Array(0) };
  for (const f of fieldsOf(buf)) {
    if (f.field === 1) {
      expectWire(f, WIRE_VARINT, 'TensorProto');
      t.dtype = Number(f.varint);
    } else if (f.field === 2) {
      expectWire(f, WIRE_LENGTH_DELIMITED, 'TensorProto');
      t.shape = decodeShape(f.data);
    } else if (f.field === 4) {
      expectWire(f, WIRE_LENGTH_DELIMITED, 'TensorProto');
      t.tensorContent = f.data;
    } else if (f.field === 5) readRepeatedFloats(f, 4, t.floatVal);
    else if (f.field === 6) readRepeatedFloats(f, 8, t.doubleVal);
  }
  return t;
}

// SummaryMetadata { PluginData plugin_data = 1 }, PluginData { string plugin_name = 1; bytes content = 2 }
function encodeMetadata(m: SummaryMetadata): Uint8Array {
  const plugin = new ProtoWriter();
  plugin.string(1, m.pluginName);
  if (m.pluginContent.length > 0) plugin.bytesField(2, m.pluginContent);
  const w = new ProtoWriter();
  w.bytesField(1, plugin.finish());
  return w.finish();
}

function decodeMetadata(buf: Uint8Array): SummaryMetadata {
  const m: SummaryMetadata = { pluginName: '', pluginContent: new Uint8Array(0) };
  for (const f of fieldsOf(buf)) {
    if (f.field !== 1) continue;
    expectWire(f, WIRE_LENGTH_DELIMITED, 'SummaryMetadata');
    for (const p of fieldsOf(f.data)) {
      if (p.field === 1 && p.wireType === WIRE_LENGTH_DELIMITED) m.pluginName = utf8.decode(p.data);
      else if (p.field === 2 && p.wireType === WIRE_LENGTH_DELIMITED) m.pluginContent = p.data;
    }
  }
  return m;
}

// Summary.Value { string tag = 1; float simple_value = 2; TensorProto tensor = 8; SummaryMetadata metadata = 9 }
function encodeValue(v: SummaryValue): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, v.tag);
  if (v.simpleValue !== undefined) w.float(2, v.simpleValue);
  if (v.tensor) w.bytesField(8, encodeTensor(v.tensor));
  if (v.metadata) w.bytesField(9, encodeMetadata(v.metadata));
  return w.finish();
}

function decodeValue(buf: Uint8Array): SummaryValue {
  const v: SummaryValue = { tag: '' };
  for (const f of fieldsOf(buf)) {
    if (f.field === 1) {
      expectWire(f, WIRE_LENGTH_DELIMITED, 'Summary.Value');
      v.tag = utf8.decode(f.data);
    } else if (f.field === 2) {
      expectWire(f, WIRE_FIXED32, 'Summary.Value');
      v.simpleValue = view(f.data).getFloat32(0, true);
    } else if (f.field === 8) {
      expectWire(f, WIRE_LENGTH_DELIMITED, 'Summary.Value');
      v.tensor = decodeTensor(f.data);
    } else if (f.field === 9) {
      expectWire(f, WIRE_LENGTH_DELIMITED, 'Summary.Value');
      v.metadata = decodeMetadata(f.data);
    }
  }
  return v;
}

// Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5 },
// Summary { repeated Value value = 1 }. Zero step is omitted, as proto3 writers do.
export function encodeEvent(e: TfEvent): Uint8Array {
  const w = new ProtoWriter();
  w.double(1, e.wallTime);
  if (e.step !== 0) w.int64(2, e.step);
  if (e.fileVersion !== undefined) w.string(3, e.fileVersion);
  if (e.summary) {
    const summary = new ProtoWriter();
    for (const v of e.summary) summary.bytesField(1, encodeValue(v));
    w.bytesField(5, summary.finish());
  }
  return w.finish();
}

export function decodeEvent(buf: Uint8Array): TfEvent {
  const e: TfEvent = { wallTime: 0, step: 0 };
  for (const f of fieldsOf(buf)) {
    if (f.field === 1) {
      expectWire(f, WIRE_FIXED64, 'Event');
      e.wallTime = view(f.data).getFloat64(0, true);
    } else if (f.field === 2) {
      expectWire(f, WIRE_VARINT, 'Event');
      e.step = Number(BigInt.asIntN(64, f.varint));
    } else if (f.field === 3) {
      expectWire(f, WIRE_LENGTH_DELIMITED, 'Event');
      e.fileVersion = utf8.decode(f.data);
    } else if (f.field === 5) {
      expectWire(f, WIRE_LENGTH_DELIMITED, 'Event');
      e.summary ??= [];
      for (const s of fieldsOf(f.data)) {
        if (s.field !== 1) continue;
        expectWire(s, WIRE_LENGTH_DELIMITED, 'Summary');
        e.summary.push(decodeValue(s.data));
      }
    }
  }
  return e;
}
