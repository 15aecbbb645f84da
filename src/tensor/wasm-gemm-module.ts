// A small WebAssembly module (SIMD128) with a register-blocked float32 matrix product, assembled
// here byte by byte so the project needs no toolchain. It imports the tfjs wasm backend's own
// memory and works on tensors in place. Layout: C[M,N] = A[M,K] B[K,N] (+ bias, relu), all
// row-major; B is first packed into panels of 8 columns (K rows of 8 floats, zero-padded), and a
// 4 x 8 micro-kernel keeps its 8 accumulators in registers over the whole K loop. Each output is
// accumulated over k in order, bias first, one rounding per multiply and per add (no fused
// multiply-add), which is how XNNPACK's wasm kernels sum as well.

/** Rows of the micro-kernel's tile (accumulators: 2 per row); 3 is as fast, 5 and 6 spill registers (20-30% slower). */
export const ROWS_PER_TILE = 4;

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];

// Instructions.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32 = (n: number) => [0x41, ...sleb(n)];
const add = [0x6a];
const sub = [0x6b];
const mul = [0x6c];
const ltS = [0x48];
const geS = [0x4e];
const eqz = [0x45];
const simd = (op: number) => [0xfd, ...uleb(op)];
const mem = (align: number, offset = 0) => [...uleb(align), ...uleb(offset)];
const v128Load = (offset = 0) => [...simd(0x00), ...mem(2, offset)];
const v128Store = (offset = 0) => [...simd(0x0b), ...mem(2, offset)];
const load32Splat = [...simd(0x09), ...mem(2)];
const f32x4Add = simd(0xe4);
const f32x4Mul = simd(0xe6);
const f32x4Max = simd(0xe9);
const extractLane = (lane: number) => [...simd(0x1f), lane];
const f32Store = (offset: number) => [0x38, ...mem(2, offset)];
const f32Load = (offset: number) => [0x2a, ...mem(2, offset)];
const f32Store0 = [0x38, ...mem(2, 0)];
const v128Zero = [...simd(0x0c), ...new Array(16).fill(0)];
const loop = (body: number[]) => [0x03, 0x40, ...body, 0x0b];
const ifThen = (body: number[], otherwise?: number[]) => [0x04, 0x40, ...body, ...(otherwise ? [0x05, ...otherwise] : []), 0x0b];
const brIf = (depth: number) => [0x0d, ...uleb(depth)];
const call = (f: number) => [0x10, ...uleb(f)];

interface FunctionDef {
  params: number[];
  locals: number[];
  body: number[];
}

function encodeFunction(f: FunctionDef): number[] {
  const groups: number[][] = f.locals.map((t) => [1, t]);
  const code = [...vec(groups), ...f.body, 0x0b];
  return [...uleb(code.length), ...code];
}

/**
 * micro(rows, a, lda, bp, K, c, ldc, bias, width, relu): C[rows x width] at c = (bias +) A[rows x K]
 * at a times the packed panel at bp; rows 1..MR (missing rows repeat the last row's loads, whose
 * results are not stored), width 1..8 valid columns, bias the address of 8 padded floats or 0.
 */
function microKernel(MR: number): FunctionDef {
  // params 0..9; locals: acc (2 MR v128), b0, b1, a (v128), k, pa_0..pa_{MR-1}, pb (i32)
  const [ROWS, A, LDA, BP, K, C, LDC, BIAS, WIDTH, RELU] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const acc = (r: number, h: number) => 10 + 2 * r + h;
  const [B0, B1, AV] = [10 + 2 * MR, 11 + 2 * MR, 12 + 2 * MR];
  const KK = 13 + 2 * MR;
  const pa = (r: number) => KK + 1 + r;
  const PB = KK + 1 + MR;
  const body: number[] = [];
  // Row pointers; rows beyond `rows` alias the last valid row (loaded, never stored).
  body.push(...get(A), ...set(pa(0)));
  for (let r = 1; r < MR; r++) {
    // pa_r = a + lda * (r < rows ? r : rows - 1)   (select picks its first operand when the condition holds)
    body.push(...get(A), ...get(LDA), ...i32(r), ...get(ROWS), ...i32(1), ...sub, ...i32(r), ...get(ROWS), ...ltS, 0x1b, ...mul, ...add, ...set(pa(r)));
  }
  // Accumulators start at the bias (or zero).
  body.push(
    ...get(BIAS),
    ...eqz,
    ...ifThen(
      [...v128Zero, ...set(B0), ...v128Zero, ...set(B1)],
      [...get(BIAS), ...v128Load(0), ...set(B0), ...get(BIAS), ...v128Load(16), ...set(B1)],
    ),
  );
  for (let r = 0; r < MR; r++) body.push(...get(B0), ...set(acc(r, 0)), ...get(B1), ...set(acc(r, 1)));
  // k loop (K >= 1). Unrolling it by two with constant address offsets measured 20% slower.
  const step: number[] = [...get(PB), ...v128Load(0), ...set(B0), ...get(PB), ...v128Load(16), ...set(B1)];
  for (let r = 0; r < MR; r++) {
    step.push(...get(pa(r)), ...load32Splat, ...set(AV));
    for (let h = 0; h < 2; h++) step.push(...get(acc(r, h)), ...get(AV), ...get(h === 0 ? B0 : B1), ...f32x4Mul, ...f32x4Add, ...set(acc(r, h)));
    step.push(...get(pa(r)), ...i32(4), ...add, ...set(pa(r)));
  }
  step.push(...get(PB), ...i32(32), ...add, ...set(PB), ...get(KK), ...i32(1), ...sub, 0x22, ...uleb(KK) /* tee */, ...brIf(0));
  body.push(...get(BP), ...set(PB), ...get(K), ...set(KK), ...loop(step));
  // Relu.
  const relu: number[] = [];
  for (let r = 0; r < MR; r++) for (let h = 0; h < 2; h++) relu.push(...get(acc(r, h)), ...v128Zero, ...f32x4Max, ...set(acc(r, h)));
  body.push(...get(RELU), ...ifThen(relu));
  // Stores: row r at c + r * ldc, only rows < `rows`; full width with two vector stores, else lane by lane.
  for (let r = 0; r < MR; r++) {
    const rowAddr = [...get(C), ...get(LDC), ...i32(r), ...mul, ...add];
    const full = [...rowAddr, ...get(acc(r, 0)), ...v128Store(0), ...rowAddr, ...get(acc(r, 1)), ...v128Store(16)];
    const lanes: number[] = [];
    for (let l = 0; l < 8; l++) {
      lanes.push(...i32(l), ...get(WIDTH), ...ltS, ...ifThen([...rowAddr, ...get(acc(r, l >> 2)), ...extractLane(l & 3), ...f32Store(4 * l)]));
    }
    body.push(...i32(r), ...get(ROWS), ...ltS, ...ifThen([...get(WIDTH), ...i32(8), ...geS, ...ifThen(full, lanes)]));
  }
  return { params: new Array(10).fill(I32), locals: [...new Array(2 * MR + 3).fill(V128), ...new Array(MR + 2).fill(I32)], body };
}

/**
 * gemm(a, bp, c, bias, M, N, K, relu, i0, i1): rows i0..i1 of C = A B (+ bias, relu) with B packed
 * by `pack`; bias is the address of ceil(N/8)*8 padded floats or 0. Panels outside, row quads
 * inside, so a panel (K x 8 floats) stays in cache while the rows of A stream past it.
 */
function driver(microIndex: number, MR: number): FunctionDef {
  const [A, BP, C, BIAS, , N, K, RELU, I0, I1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [P, PANELS, I, WIDTH, ROWS] = [10, 11, 12, 13, 14];
  const body: number[] = [];
  body.push(...get(N), ...i32(7), ...add, ...i32(3), 0x76 /* shr_u */, ...set(PANELS), ...i32(0), ...set(P));
  const rowLoop = loop([
    // rows = min(MR, i1 - i)
    ...get(I1), ...get(I), ...sub, ...set(ROWS),
    ...i32(MR), ...get(ROWS), ...get(ROWS), ...i32(MR), ...geS, 0x1b, ...set(ROWS),
    ...get(ROWS),
    ...get(A), ...get(I), ...get(K), ...mul, ...i32(4), ...mul, ...add, // a + i*K*4
    ...get(K), ...i32(4), ...mul, // lda
    ...get(BP), ...get(P), ...get(K), ...mul, ...i32(32), ...mul, ...add, // panel address
    ...get(K),
    ...get(C), ...get(I), ...get(N), ...mul, ...get(P), ...i32(8), ...mul, ...add, ...i32(4), ...mul, ...add, // c + (i*N + p*8)*4
    ...get(N), ...i32(4), ...mul, // ldc
    ...get(BIAS), ...eqz, ...ifThenValue([...i32(0)], [...get(BIAS), ...get(P), ...i32(32), ...mul, ...add]),
    ...get(WIDTH),
    ...get(RELU),
    ...call(microIndex),
    ...get(I), ...get(ROWS), ...add, ...set(I),
    ...get(I), ...get(I1), ...ltS, ...brIf(0),
  ]);
  const panelLoop = loop([
    // width = min(8, N - p*8)
    ...get(N), ...get(P), ...i32(8), ...mul, ...sub, ...set(WIDTH),
    ...i32(8), ...get(WIDTH), ...get(WIDTH), ...i32(8), ...geS, 0x1b, ...set(WIDTH),
    ...get(I0), ...set(I),
    ...get(I), ...get(I1), ...ltS, ...ifThen(rowLoop),
    ...get(P), ...i32(1), ...add, ...set(P),
    ...get(P), ...get(PANELS), ...ltS, ...brIf(0),
  ]);
  body.push(...get(PANELS), ...eqz, ...eqz, ...ifThen(panelLoop));
  return { params: new Array(10).fill(I32), locals: new Array(5).fill(I32), body };
}

/** if/else yielding an i32. */
function ifThenValue(then: number[], otherwise: number[]): number[] {
  return [0x04, I32, ...then, 0x05, ...otherwise, 0x0b];
}

/** pack(b, bp, K, N): B [K, N] row-major into panels of 8 columns, K x 8 floats each, zero-padded. */
function packer(): FunctionDef {
  const [B, BP, K, N] = [0, 1, 2, 3];
  const [P, PANELS, KK, SRC, DST, L, WIDTH] = [4, 5, 6, 7, 8, 9, 10];
  const body: number[] = [];
  body.push(...get(N), ...i32(7), ...add, ...i32(3), 0x76, ...set(PANELS), ...i32(0), ...set(P), ...get(BP), ...set(DST));
  const fullRow = [...get(DST), ...get(SRC), ...v128Load(0), ...v128Store(0), ...get(DST), ...get(SRC), ...v128Load(16), ...v128Store(16)];
  const partialRow = [
    ...get(DST), ...v128Zero, ...v128Store(0), ...get(DST), ...v128Zero, ...v128Store(16),
    ...i32(0), ...set(L),
    ...loop([
      ...get(DST), ...get(L), ...i32(4), ...mul, ...add,
      ...get(SRC), ...get(L), ...i32(4), ...mul, ...add, ...f32Load(0),
      ...f32Store0,
      ...get(L), ...i32(1), ...add, ...set(L),
      ...get(L), ...get(WIDTH), ...ltS, ...brIf(0),
    ]),
  ];
  const kLoop = loop([
    ...get(WIDTH), ...i32(8), ...geS, ...ifThen(fullRow, partialRow),
    ...get(SRC), ...get(N), ...i32(4), ...mul, ...add, ...set(SRC),
    ...get(DST), ...i32(32), ...add, ...set(DST),
    ...get(KK), ...i32(1), ...sub, 0x22, ...uleb(KK), ...brIf(0),
  ]);
  const panelLoop = loop([
    ...get(N), ...get(P), ...i32(8), ...mul, ...sub, ...set(WIDTH),
    ...i32(8), ...get(WIDTH), ...get(WIDTH), ...i32(8), ...geS, 0x1b, ...set(WIDTH),
    ...get(B), ...get(P), ...i32(32), ...mul, ...add, ...set(SRC),
    ...get(K), ...set(KK),
    ...kLoop,
    ...get(P), ...i32(1), ...add, ...set(P),
    ...get(P), ...get(PANELS), ...ltS, ...brIf(0),
  ]);
  body.push(...get(PANELS), ...eqz, ...eqz, ...get(K), ...eqz, ...eqz, 0x71 /* and */, ...ifThen(panelLoop));
  return { params: [I32, I32, I32, I32], locals: new Array(7).fill(I32), body };
}

/** The module's bytes; `shared` must match the memory it will import (the threaded build's is shared). */
export function gemmModuleBytes(shared: boolean, rowsPerTile = ROWS_PER_TILE): Uint8Array {
  const functions = [microKernel(rowsPerTile), driver(0, rowsPerTile), packer()];
  const types = functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0]);
  const memoryLimits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const name = (text: string) => [...uleb(text.length), ...[...text].map((c) => c.charCodeAt(0))];
  const imports = vec([[...name('env'), ...name('memory'), 0x02, ...memoryLimits]]);
  const exportEntry = (text: string, index: number) => [...name(text), 0x00, ...uleb(index)];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec([exportEntry('gemm', 1), exportEntry('pack', 2)])),
    ...section(10, vec(functions.map(encodeFunction))),
  ];
  return new Uint8Array(bytes);
}
