// A small WebAssembly module (SIMD128) with a register-blocked float32 matrix product, assembled
// here byte by byte so the project needs no toolchain. It imports the tfjs wasm backend's own
// memory and works on tensors in place. Layout: C[M,N] = A[M,K] B[K,N] (+ bias, relu), all
// row-major; B is first packed into panels of 4 x `vectors` columns (K rows, zero-padded), and a
// `rows` x (4 x `vectors`) micro-kernel keeps its accumulators in registers over the whole K loop.
// Each output is accumulated over k in order, bias first: with `fma` by f32x4.relaxed_madd (one
// rounding per multiply-add where the CPU fuses it; relaxed SIMD, see wasm-gemm.ts), otherwise by
// f32x4.mul + f32x4.add (one rounding per multiply and per add, as XNNPACK's wasm kernels sum).

/** The micro-kernel's register tile: `rows` rows of A times `vectors` x 4 columns of B. */
export interface TileShape {
  rows: number;
  /** v128 accumulators per row: the packed panels of B are 4 x vectors columns wide. */
  vectors: number;
  /** f32x4.relaxed_madd (one rounding per multiply-add where the CPU fuses) instead of f32x4.mul + f32x4.add. */
  fma: boolean;
}

/** Tile of the separate multiply and add kernel: 3 rows are as fast, 5 and 6 spill registers (20-30% slower). */
export const SEPARATE_ROUNDING_TILE: TileShape = { rows: 4, vectors: 2, fma: false };

/** Floats per packed panel row of B for a tile shape. */
export const panelWidth = (shape: TileShape) => 4 * shape.vectors;

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
const divU = [0x6e];
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
// Relaxed SIMD (opcode 0x105, encoded as the LEB128 0x85 0x02): needs --experimental-wasm-relaxed-simd on Node 20.
const f32x4RelaxedMadd = simd(0x105);
const extractLane = (lane: number) => [...simd(0x1f), lane];
const f32x4ReplaceLane = (lane: number) => [...simd(0x20), lane];
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
 * results are not stored), width 1..panel width valid columns, bias the address of a panel's
 * padded floats or 0.
 */
function microKernel(shape: TileShape): FunctionDef {
  const { rows: MR, vectors: NV, fma } = shape;
  const PW = 4 * NV;
  // params 0..9; locals: acc (NV per row, v128), b_0..b_{NV-1}, a (v128), k, pa_0..pa_{MR-1}, pb (i32)
  const [ROWS, A, LDA, BP, K, C, LDC, BIAS, WIDTH, RELU] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const acc = (r: number, h: number) => 10 + NV * r + h;
  const bv = (h: number) => 10 + NV * MR + h;
  const AV = 10 + NV * MR + NV;
  const KK = AV + 1;
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
  const zeros: number[] = [];
  const biasLoads: number[] = [];
  for (let h = 0; h < NV; h++) {
    zeros.push(...v128Zero, ...set(bv(h)));
    biasLoads.push(...get(BIAS), ...v128Load(16 * h), ...set(bv(h)));
  }
  body.push(...get(BIAS), ...eqz, ...ifThen(zeros, biasLoads));
  for (let r = 0; r < MR; r++) for (let h = 0; h < NV; h++) body.push(...get(bv(h)), ...set(acc(r, h)));
  // k loop (K >= 1). Unrolling it by two with constant address offsets measured 20% slower.
  const step: number[] = [];
  for (let h = 0; h < NV; h++) step.push(...get(PB), ...v128Load(16 * h), ...set(bv(h)));
  for (let r = 0; r < MR; r++) {
    step.push(...get(pa(r)), ...load32Splat, ...set(AV));
    for (let h = 0; h < NV; h++) {
      // relaxed_madd(a, b, c) = a b + c; V8 emits vfmadd231ps where the CPU has FMA3.
      const update = fma ? [...get(AV), ...get(bv(h)), ...get(acc(r, h)), ...f32x4RelaxedMadd] : [...get(acc(r, h)), ...get(AV), ...get(bv(h)), ...f32x4Mul, ...f32x4Add];
      step.push(...update, ...set(acc(r, h)));
    }
    step.push(...get(pa(r)), ...i32(4), ...add, ...set(pa(r)));
  }
  step.push(...get(PB), ...i32(4 * PW), ...add, ...set(PB), ...get(KK), ...i32(1), ...sub, 0x22, ...uleb(KK) /* tee */, ...brIf(0));
  body.push(...get(BP), ...set(PB), ...get(K), ...set(KK), ...loop(step));
  // Relu.
  const relu: number[] = [];
  for (let r = 0; r < MR; r++) for (let h = 0; h < NV; h++) relu.push(...get(acc(r, h)), ...v128Zero, ...f32x4Max, ...set(acc(r, h)));
  body.push(...get(RELU), ...ifThen(relu));
  // Stores: row r at c + r * ldc, only rows < `rows`; full width with vector stores, else lane by lane.
  for (let r = 0; r < MR; r++) {
    const rowAddr = [...get(C), ...get(LDC), ...i32(r), ...mul, ...add];
    const full: number[] = [];
    for (let h = 0; h < NV; h++) full.push(...rowAddr, ...get(acc(r, h)), ...v128Store(16 * h));
    const lanes: number[] = [];
    for (let l = 0; l < PW; l++) {
      lanes.push(...i32(l), ...get(WIDTH), ...ltS, ...ifThen([...rowAddr, ...get(acc(r, l >> 2)), ...extractLane(l & 3), ...f32Store(4 * l)]));
    }
    body.push(...i32(r), ...get(ROWS), ...ltS, ...ifThen([...get(WIDTH), ...i32(PW), ...geS, ...ifThen(full, lanes)]));
  }
  return { params: new Array(10).fill(I32), locals: [...new Array(NV * MR + NV + 1).fill(V128), ...new Array(MR + 2).fill(I32)], body };
}

/**
 * gemm(a, bp, c, bias, M, N, K, flags, i0, i1): rows i0..i1 of C = A B (+ bias, relu) with B packed
 * by `pack` or `packTransposed`; bias is the address of (panels x panel width) padded floats or 0;
 * flags: 1 = relu, 2 = A is stored transposed ([K, M] row-major): rows i0..i1 of A are then first
 * copied row-major into the scratch that follows the packed panels and the padded bias
 * (bp + panels * panel width * 4 * (K + 1), M * K floats), by whichever thread runs the block, so
 * the transposition is split across threads like the product (reading A with a stride of M floats
 * inside the k loop measured 2.5-5x slower). Panels outside, row tiles inside, so a panel
 * (K x panel width floats) stays in cache while the rows of A stream past it.
 */
function driver(microIndex: number, transposeIndex: number, shape: TileShape): FunctionDef {
  const MR = shape.rows;
  const PW = 4 * shape.vectors;
  const [A, BP, C, BIAS, M, N, K, FLAGS, I0, I1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [P, PANELS, I, WIDTH, ROWS] = [10, 11, 12, 13, 14];
  const body: number[] = [];
  body.push(...get(N), ...i32(PW - 1), ...add, ...i32(PW), ...divU, ...set(PANELS), ...i32(0), ...set(P));
  // A stored [K, M]: copy rows i0..i1 row-major into the scratch, k outer (contiguous reads of a
  // row segment of the stored matrix, writes to i1 - i0 rows), then read A from there.
  const copyRows = [
    ...get(BP), ...get(PANELS), ...i32(4 * PW), ...mul, ...get(K), ...i32(1), ...add, ...mul, ...add, ...set(P), // scratch (P reused)
    ...get(A), ...get(P), ...get(M), ...get(K), ...get(I0), ...get(I1), ...call(transposeIndex),
    ...get(P), ...set(A), ...i32(0), ...set(P),
  ];
  body.push(...get(FLAGS), ...i32(1), 0x76 /* shr_u */, ...get(I0), ...get(I1), ...ltS, 0x71 /* and: bit 0 */, ...ifThen(copyRows));
  const rowLoop = loop([
    // rows = min(MR, i1 - i)
    ...get(I1), ...get(I), ...sub, ...set(ROWS),
    ...i32(MR), ...get(ROWS), ...get(ROWS), ...i32(MR), ...geS, 0x1b, ...set(ROWS),
    ...get(ROWS),
    ...get(A), ...get(I), ...get(K), ...mul, ...i32(4), ...mul, ...add, // a + i*K*4
    ...get(K), ...i32(4), ...mul, // lda
    ...get(BP), ...get(P), ...get(K), ...mul, ...i32(4 * PW), ...mul, ...add, // panel address
    ...get(K),
    ...get(C), ...get(I), ...get(N), ...mul, ...get(P), ...i32(PW), ...mul, ...add, ...i32(4), ...mul, ...add, // c + (i*N + p*PW)*4
    ...get(N), ...i32(4), ...mul, // ldc
    ...get(BIAS), ...eqz, ...ifThenValue([...i32(0)], [...get(BIAS), ...get(P), ...i32(4 * PW), ...mul, ...add]),
    ...get(WIDTH),
    ...get(FLAGS), ...i32(1), 0x71, // relu
    ...call(microIndex),
    ...get(I), ...get(ROWS), ...add, ...set(I),
    ...get(I), ...get(I1), ...ltS, ...brIf(0),
  ]);
  const panelLoop = loop([
    // width = min(PW, N - p*PW)
    ...get(N), ...get(P), ...i32(PW), ...mul, ...sub, ...set(WIDTH),
    ...i32(PW), ...get(WIDTH), ...get(WIDTH), ...i32(PW), ...geS, 0x1b, ...set(WIDTH),
    ...get(I0), ...set(I),
    ...get(I), ...get(I1), ...ltS, ...ifThen(rowLoop),
    ...get(P), ...i32(1), ...add, ...set(P),
    ...get(P), ...get(PANELS), ...ltS, ...brIf(0),
  ]);
  body.push(...get(PANELS), ...eqz, ...eqz, ...ifThen(panelLoop));
  return { params: new Array(10).fill(I32), locals: new Array(5).fill(I32), body };
}

/** i8x16.shuffle picking float lanes (0-3 from the first operand, 4-7 from the second). */
const shuffleLanes = (lanes: number[]) => [...simd(0x0d), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];

/**
 * transposeRows(a, ap, M, K, i0, i1): ap[i K + k] = a[k M + i] for rows i0 <= i < i1 and all k,
 * i.e. rows i0..i1 of A = (stored [K, M])^T, row-major. 4 x 4 blocks by shuffles, scalar edges.
 */
function rowTransposer(): FunctionDef {
  const [A, AP, M, K, I0, I1] = [0, 1, 2, 3, 4, 5];
  const [KK, I, I4END, K4END, SRC, DST] = [6, 7, 8, 9, 10, 11];
  const [V0, V1, V2, V3, T0, T1, T2, T3] = [12, 13, 14, 15, 16, 17, 18, 19];
  const srcAt = [...get(A), ...get(KK), ...get(M), ...mul, ...get(I), ...add, ...i32(4), ...mul, ...add];
  const dstAt = [...get(AP), ...get(I), ...get(K), ...mul, ...get(KK), ...add, ...i32(4), ...mul, ...add];
  const forRange = (index: number, start: number[], end: number[], stepBy: number, inner: number[]) => [
    ...start, ...set(index),
    ...get(index), ...end, ...ltS,
    ...ifThen(loop([...inner, ...get(index), ...i32(stepBy), ...add, 0x22, ...uleb(index), ...end, ...ltS, ...brIf(0)])),
  ];
  const scalarCopy = [...dstAt, ...srcAt, ...f32Load(0), ...f32Store0];
  const rowStep = (r: number) => [...get(SRC), ...get(M), ...i32(4 * r), ...mul, ...add];
  const block = [
    ...srcAt, ...set(SRC),
    ...get(SRC), ...v128Load(0), ...set(V0),
    ...rowStep(1), ...v128Load(0), ...set(V1),
    ...rowStep(2), ...v128Load(0), ...set(V2),
    ...rowStep(3), ...v128Load(0), ...set(V3),
    ...get(V0), ...get(V1), ...shuffleLanes([0, 4, 1, 5]), ...set(T0),
    ...get(V0), ...get(V1), ...shuffleLanes([2, 6, 3, 7]), ...set(T1),
    ...get(V2), ...get(V3), ...shuffleLanes([0, 4, 1, 5]), ...set(T2),
    ...get(V2), ...get(V3), ...shuffleLanes([2, 6, 3, 7]), ...set(T3),
    ...dstAt, ...set(DST),
  ];
  const outRows: [number, number, number[]][] = [[T0, T2, [0, 1, 4, 5]], [T0, T2, [2, 3, 6, 7]], [T1, T3, [0, 1, 4, 5]], [T1, T3, [2, 3, 6, 7]]];
  outRows.forEach(([x, y, lanes], r) => block.push(...get(DST), ...get(K), ...i32(4 * r), ...mul, ...add, ...get(x), ...get(y), ...shuffleLanes(lanes), ...v128Store(0)));
  const body = [
    ...get(I1), ...get(I0), ...sub, ...i32(-4), 0x71, ...get(I0), ...add, ...set(I4END),
    ...get(K), ...i32(-4), 0x71, ...set(K4END),
    ...forRange(KK, i32(0), get(K4END), 4, forRange(I, get(I0), get(I4END), 4, block)),
    ...forRange(KK, i32(0), get(K), 1, forRange(I, get(I4END), get(I1), 1, scalarCopy)),
    ...forRange(KK, get(K4END), get(K), 1, forRange(I, get(I0), get(I4END), 1, scalarCopy)),
  ];
  return { params: new Array(6).fill(I32), locals: [...new Array(6).fill(I32), ...new Array(8).fill(V128)], body };
}

/** if/else yielding an i32. */
function ifThenValue(then: number[], otherwise: number[]): number[] {
  return [0x04, I32, ...then, 0x05, ...otherwise, 0x0b];
}

/** pack(b, bp, K, N): B [K, N] row-major into panels of PW columns, K x PW floats each, zero-padded. */
function packer(shape: TileShape): FunctionDef {
  const NV = shape.vectors;
  const PW = 4 * NV;
  const [B, BP, K, N] = [0, 1, 2, 3];
  const [P, PANELS, KK, SRC, DST, L, WIDTH] = [4, 5, 6, 7, 8, 9, 10];
  const body: number[] = [];
  body.push(...get(N), ...i32(PW - 1), ...add, ...i32(PW), ...divU, ...set(PANELS), ...i32(0), ...set(P), ...get(BP), ...set(DST));
  const fullRow: number[] = [];
  const zeroRow: number[] = [];
  for (let h = 0; h < NV; h++) {
    fullRow.push(...get(DST), ...get(SRC), ...v128Load(16 * h), ...v128Store(16 * h));
    zeroRow.push(...get(DST), ...v128Zero, ...v128Store(16 * h));
  }
  const partialRow = [
    ...zeroRow,
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
    ...get(WIDTH), ...i32(PW), ...geS, ...ifThen(fullRow, partialRow),
    ...get(SRC), ...get(N), ...i32(4), ...mul, ...add, ...set(SRC),
    ...get(DST), ...i32(4 * PW), ...add, ...set(DST),
    ...get(KK), ...i32(1), ...sub, 0x22, ...uleb(KK), ...brIf(0),
  ]);
  const panelLoop = loop([
    ...get(N), ...get(P), ...i32(PW), ...mul, ...sub, ...set(WIDTH),
    ...i32(PW), ...get(WIDTH), ...get(WIDTH), ...i32(PW), ...geS, 0x1b, ...set(WIDTH),
    ...get(B), ...get(P), ...i32(4 * PW), ...mul, ...add, ...set(SRC),
    ...get(K), ...set(KK),
    ...kLoop,
    ...get(P), ...i32(1), ...add, ...set(P),
    ...get(P), ...get(PANELS), ...ltS, ...brIf(0),
  ]);
  body.push(...get(PANELS), ...eqz, ...eqz, ...get(K), ...eqz, ...eqz, 0x71 /* and */, ...ifThen(panelLoop));
  return { params: [I32, I32, I32, I32], locals: new Array(7).fill(I32), body };
}

/**
 * packTransposed(bt, bp, K, N): B = Bt^T for Bt [N, K] row-major, into the same panels as `pack`
 * (so a transposed operand needs no separate transpose). Each column of a panel is one row of Bt,
 * read contiguously and written at the panel's row stride; partial panels are zeroed first.
 */
function transposingPacker(shape: TileShape): FunctionDef {
  const PW = 4 * shape.vectors;
  const [BT, BP, K, N] = [0, 1, 2, 3];
  const [P, PANELS, KK, SRC, DST, L, WIDTH, END] = [4, 5, 6, 7, 8, 9, 10, 11];
  const body: number[] = [];
  body.push(...get(N), ...i32(PW - 1), ...add, ...i32(PW), ...divU, ...set(PANELS), ...i32(0), ...set(P));
  const zeroPanel = [
    // DST runs over the panel's K * PW floats.
    ...get(BP), ...get(P), ...get(K), ...mul, ...i32(4 * PW), ...mul, ...add, ...set(DST),
    ...get(DST), ...get(K), ...i32(4 * PW), ...mul, ...add, ...set(END),
    ...loop([...get(DST), ...v128Zero, ...v128Store(0), ...get(DST), ...i32(16), ...add, 0x22, ...uleb(DST), ...get(END), ...ltS, ...brIf(0)]),
  ];
  const column = loop([
    // SRC = bt + (p*PW + l) * K * 4, DST = panel + l * 4; K floats from SRC to DST at stride PW * 4.
    ...get(BT), ...get(P), ...i32(PW), ...mul, ...get(L), ...add, ...get(K), ...mul, ...i32(4), ...mul, ...add, ...set(SRC),
    ...get(BP), ...get(P), ...get(K), ...mul, ...i32(4 * PW), ...mul, ...add, ...get(L), ...i32(4), ...mul, ...add, ...set(DST),
    ...get(K), ...set(KK),
    ...loop([
      ...get(DST), ...get(SRC), ...f32Load(0), ...f32Store0,
      ...get(SRC), ...i32(4), ...add, ...set(SRC),
      ...get(DST), ...i32(4 * PW), ...add, ...set(DST),
      ...get(KK), ...i32(1), ...sub, 0x22, ...uleb(KK), ...brIf(0),
    ]),
    ...get(L), ...i32(1), ...add, 0x22, ...uleb(L), ...get(WIDTH), ...ltS, ...brIf(0),
  ]);
  const panelLoop = loop([
    ...get(N), ...get(P), ...i32(PW), ...mul, ...sub, ...set(WIDTH),
    ...i32(PW), ...get(WIDTH), ...get(WIDTH), ...i32(PW), ...geS, 0x1b, ...set(WIDTH),
    ...get(WIDTH), ...i32(PW), ...ltS, ...ifThen(zeroPanel),
    ...i32(0), ...set(L),
    ...column,
    ...get(P), ...i32(1), ...add, ...set(P),
    ...get(P), ...get(PANELS), ...ltS, ...brIf(0),
  ]);
  body.push(...get(PANELS), ...eqz, ...eqz, ...get(K), ...eqz, ...eqz, 0x71, ...ifThen(panelLoop));
  return { params: [I32, I32, I32, I32], locals: new Array(8).fill(I32), body };
}

/**
 * gemv(a, b, acc, N, K): acc[0..N) += sum over k of a[k] B[k, :] for B [K, N] row-major, in k order,
 * with the same multiply-add as the micro-kernel; acc holds ceil(N/4)*4 floats (the caller starts
 * it at the bias or zero). One-row products (bias gradients as ones x dz) need no packed copy of B.
 */
function vectorProduct(shape: TileShape): FunctionDef {
  const [A, B, ACC, N, K] = [0, 1, 2, 3, 4];
  const [AV, BV] = [5, 6];
  const [KK, SRC, DST, J, FULL, ROW, L] = [7, 8, 9, 10, 11, 12, 13];
  const madd = (target: number[]) => (shape.fma ? [...get(AV), ...get(BV), ...target, ...f32x4RelaxedMadd] : [...target, ...get(AV), ...get(BV), ...f32x4Mul, ...f32x4Add]);
  const body: number[] = [];
  body.push(...get(N), ...i32(-4), 0x71, ...set(FULL)); // columns in whole vectors
  body.push(...get(B), ...set(ROW), ...get(A), ...set(SRC), ...get(K), ...set(KK));
  const tailLanes: number[] = [];
  for (let l = 0; l < 3; l++) {
    // lane l of the tail vector: B[k, FULL + l] when FULL + l < N
    tailLanes.push(...i32(l), ...get(N), ...get(FULL), ...sub, ...ltS, ...ifThen([...get(BV), ...get(ROW), ...get(FULL), ...i32(4), ...mul, ...add, ...f32Load(4 * l), ...f32x4ReplaceLane(l), ...set(BV)]));
  }
  const kLoop = loop([
    ...get(SRC), ...load32Splat, ...set(AV),
    ...i32(0), ...set(J),
    ...get(FULL),
    ...ifThen(loop([
      ...get(ACC), ...get(J), ...i32(4), ...mul, ...add, ...set(DST),
      ...get(ROW), ...get(J), ...i32(4), ...mul, ...add, ...v128Load(0), ...set(BV),
      ...get(DST), ...madd([...get(DST), ...v128Load(0)]), ...v128Store(0),
      ...get(J), ...i32(4), ...add, 0x22, ...uleb(J), ...get(FULL), ...ltS, ...brIf(0),
    ])),
    ...get(N), ...get(FULL), ...sub, ...ifThen([
      ...v128Zero, ...set(BV), ...tailLanes,
      ...get(ACC), ...get(FULL), ...i32(4), ...mul, ...add, ...set(DST),
      ...get(DST), ...madd([...get(DST), ...v128Load(0)]), ...v128Store(0),
    ]),
    ...get(SRC), ...i32(4), ...add, ...set(SRC),
    ...get(ROW), ...get(N), ...i32(4), ...mul, ...add, ...set(ROW),
    ...get(KK), ...i32(1), ...sub, 0x22, ...uleb(KK), ...brIf(0),
  ]);
  body.push(...get(K), ...i32(0), 0x4a /* gt_s */, ...ifThen(kLoop));
  return { params: new Array(5).fill(I32), locals: [V128, V128, ...new Array(7).fill(I32)], body };
}

const F32 = 0x7d;

/**
 * adam(p, m, v, g, pOut, mOut, vOut, n, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, stepSize):
 * one Adam update of n floats with the operations, operand order and float32 roundings of the
 * unfused update in src/deqn/adam.ts (tf.mul, tf.add, tf.square, tf.sqrt, tf.div, tf.sub, each
 * rounded to float32), so results are bit-identical to it:
 *   m' = beta1 m + (1 - beta1) g,  v' = beta2 v + (1 - beta2) g g,  p' = p - stepSize (m' / (sqrt(v') + epsilon)).
 * Four lanes at a time, then the tail with scalar float32 operations.
 */
function adamUpdate(): FunctionDef {
  const [P, M, V, G, PO, MO, VO, N] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [B1, C1, B2, C2, EPS, STEP] = [8, 9, 10, 11, 12, 13];
  const [I, END] = [14, 15]; // byte offset, bytes in whole vectors
  const [VB1, VC1, VB2, VC2, VEPS, VSTEP, GV, MV, VV] = [16, 17, 18, 19, 20, 21, 22, 23, 24];
  const [GS, MS, VS] = [25, 26, 27];
  const f32x4Splat = simd(0x13);
  const [f32x4Sub, f32x4Div, f32x4Sqrt] = [simd(0xe5), simd(0xe7), simd(0xe3)];
  const [f32Add, f32Sub, f32Mul, f32Div, f32Sqrt] = [[0x92], [0x93], [0x94], [0x95], [0x91]];
  const at = (base: number) => [...get(base), ...get(I), ...add];
  const body: number[] = [];
  for (const [scalar, vector] of [[B1, VB1], [C1, VC1], [B2, VB2], [C2, VC2], [EPS, VEPS], [STEP, VSTEP]]) body.push(...get(scalar), ...f32x4Splat, ...set(vector));
  body.push(...get(N), ...i32(-4), 0x71, ...i32(4), ...mul, ...set(END), ...i32(0), ...set(I));
  const vectorStep = [
    ...at(G), ...v128Load(0), ...set(GV),
    // m' = beta1 m + (1 - beta1) g
    ...get(VB1), ...at(M), ...v128Load(0), ...f32x4Mul, ...get(VC1), ...get(GV), ...f32x4Mul, ...f32x4Add, ...set(MV),
    // v' = beta2 v + (1 - beta2) (g g)
    ...get(VB2), ...at(V), ...v128Load(0), ...f32x4Mul, ...get(VC2), ...get(GV), ...get(GV), ...f32x4Mul, ...f32x4Mul, ...f32x4Add, ...set(VV),
    ...at(MO), ...get(MV), ...v128Store(0),
    ...at(VO), ...get(VV), ...v128Store(0),
    // p' = p - stepSize (m' / (sqrt(v') + epsilon))
    ...at(PO), ...at(P), ...v128Load(0), ...get(VSTEP), ...get(MV), ...get(VV), ...f32x4Sqrt, ...get(VEPS), ...f32x4Add, ...f32x4Div, ...f32x4Mul, ...f32x4Sub, ...v128Store(0),
    ...get(I), ...i32(16), ...add, 0x22, ...uleb(I), ...get(END), ...ltS, ...brIf(0),
  ];
  body.push(...get(END), ...ifThen(loop(vectorStep)));
  const scalarStep = [
    ...at(G), ...f32Load(0), ...set(GS),
    ...get(B1), ...at(M), ...f32Load(0), ...f32Mul, ...get(C1), ...get(GS), ...f32Mul, ...f32Add, ...set(MS),
    ...get(B2), ...at(V), ...f32Load(0), ...f32Mul, ...get(C2), ...get(GS), ...get(GS), ...f32Mul, ...f32Mul, ...f32Add, ...set(VS),
    ...at(MO), ...get(MS), ...f32Store0,
    ...at(VO), ...get(VS), ...f32Store0,
    ...at(PO), ...at(P), ...f32Load(0), ...get(STEP), ...get(MS), ...get(VS), ...f32Sqrt, ...get(EPS), ...f32Add, ...f32Div, ...f32Mul, ...f32Sub, ...f32Store0,
    ...get(I), ...i32(4), ...add, 0x22, ...uleb(I), ...get(N), ...i32(4), ...mul, ...ltS, ...brIf(0),
  ];
  body.push(...get(I), ...get(N), ...i32(4), ...mul, ...ltS, ...ifThen(loop(scalarStep)));
  return {
    params: [...new Array(8).fill(I32), ...new Array(6).fill(F32)],
    locals: [I32, I32, ...new Array(9).fill(V128), F32, F32, F32],
    body,
  };
}

/** The module's bytes; `shared` must match the memory it will import (the threaded build's is shared). */
export function gemmModuleBytes(shared: boolean, shape: TileShape = SEPARATE_ROUNDING_TILE): Uint8Array {
  const functions = [microKernel(shape), driver(0, 6, shape), packer(shape), transposingPacker(shape), vectorProduct(shape), adamUpdate(), rowTransposer()];
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
    ...section(7, vec([exportEntry('gemm', 1), exportEntry('pack', 2), exportEntry('packTransposed', 3), exportEntry('gemv', 4), exportEntry('adam', 5)])),
    ...section(10, vec(functions.map(encodeFunction))),
  ];
  return new Uint8Array(bytes);
}
