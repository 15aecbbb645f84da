// The union model's exact-hat-algebra residual system F(z; policy) = 0 (MODELS.md §E.3, a
// reconstruction on the Caliendo–Parro core of §E.3a), with hand-written float64 Jacobian–vector and
// vector–Jacobian products with respect to the unknowns and to the three instruments, for the generic
// Newton–Krylov solver and the adjoint welfare gradient (§D.4).
//
// Unknowns z (O(1) at the baseline):
//   [oW, +N)   log ŵ_n                       [oK, +N)   log ρ̂_n
//   [oP, +NS)  log p̂^r_n  (producer price)   [oX, +NS)  X'^r_n / X^r_n
//   [oI, +N)   I'_n / I_n                    oT         T'^U / unionTaxScale
// The price index is explicit in producer prices (E.3.3), P̂^r_n = Φ^r_n^{1/(1−η)} with
//   Φ^r_n = Σ_m π^r_{mn} a^r_m k^r_{mn},  a^r_m = p̂_m^{1−η},  k = ((1+t')/(1+t))^{1−η} on RoW→union flows,
// so origin shares are π' = π a k / Φ and output value is a per-sector matrix–vector product:
//   V'^r_m = a^r_m Σ_n π^r_{mn} k_{mn} X'^r_n / (Φ^r_n (1+t'_{mn})).
// Residuals (relative):
//   P (E.3.2)  log p̂ − log((1+τ̃')/(1+τ̃)) − log ĉ + φ (log V̂ − log p̂)        [V = 0: log p̂]
//   X (E.3.4)  (X' − β I' − P̂ PG Ĝ − Σ_s γ^s χ^{rs} V'^s/(1+τ̃'^s)) / X
//   W (E.3.6)  (ŵ wL − ϑ Σ_r (1−γ^r) V'^r/(1+τ̃'^r)) / wL; RoW: log ŵ_RoW (numeraire, E.3.9)
//   K (E.3.6)  (ρ̂ ρK − (1−ϑ) Σ_r (1−γ^r) V'^r/(1+τ̃'^r)) / ρK
//   I (E.3.7)  union: (I' − ŵwL − ρ̂ρK − F + ω T'^U − e E) / I;
//              RoW:   (I' − ŵwL − ρ̂ρK − F − R'^{RoW} + Σ_s P̂ PG) / I
//   T (E.2)    (T'^U − Σ_U (Σ_s P̂ PG Ĝ − T'_n) − E + Σ_U R'_n) / scale
// with log ĉ = (1−γ)(ϑ log ŵ + (1−ϑ) log ρ̂) + γ Σ_s χ^{sr} log P̂^s (E.3.1), T'_n = Σ_r τ̃'/(1+τ̃') V',
// R'_n = Σ_r t'/(1+t') π'^r_{RoW,n} X'^r_n, R'^{RoW} = Σ_r t_RoW/(1+t_RoW) Σ_{m∈U} π'^r_{m,RoW} X'^r_RoW.
import type { DifferentiableSystem } from '../static-trade/solver/newton-krylov.ts';
import type { UnionBaseline } from './baseline.ts';

/** Instruments (MODELS.md §E.2): common external tariff t^r, net taxes τ̃^r_n and public demand Ĝ^s_n. */
export interface UnionPolicy {
  tariff: Float64Array; // [S]
  tax: Float64Array; // [U, S]
  publicDemand: Float64Array; // [U, S], Ĝ relative to the baseline
}

export interface PolicyAdjoint {
  tariff: Float64Array;
  tax: Float64Array;
  publicDemand: Float64Array;
}

export function laissezFaire(U: number, S: number): UnionPolicy {
  return { tariff: new Float64Array(S), tax: new Float64Array(U * S), publicDemand: new Float64Array(U * S).fill(1) };
}

export class UnionHatSystem implements DifferentiableSystem {
  readonly N: number;
  readonly S: number;
  readonly U: number;
  readonly size: number;
  readonly oW: number;
  readonly oK: number;
  readonly oP: number;
  readonly oX: number;
  readonly oI: number;
  readonly oT: number;
  // Policy coefficients.
  private readonly kap: Float64Array; // [S]
  private readonly tariffFactor: Float64Array; // 1/(1+t') on RoW→union, [S]
  private readonly rowFactor: Float64Array; // 1/(1+t_RoW) on union→RoW, [S]
  private readonly taxNew: Float64Array; // τ̃' [N, S]
  private readonly logTaxHat: Float64Array; // [N, S]
  private readonly gHat: Float64Array; // Ĝ [N, S] (1 for RoW)
  // Forward state at `cachedZ`.
  private cachedZ: Float64Array | null = null;
  private readonly a: Float64Array; // [S, N]
  private readonly phiSum: Float64Array; // Φ [S, N]
  readonly logP: Float64Array; // [N, S]
  private readonly y: Float64Array; // X'/Φ, [S, N]
  readonly Vp: Float64Array; // V' [N, S]
  readonly Cp: Float64Array; // V'/(1+τ̃') [N, S]
  private readonly lc: Float64Array; // log ĉ [N, S]

  constructor(readonly base: UnionBaseline, readonly policy: UnionPolicy) {
    const { N, S, U } = base;
    this.N = N;
    this.S = S;
    this.U = U;
    const NS = N * S;
    this.oW = 0;
    this.oK = N;
    this.oP = 2 * N;
    this.oX = 2 * N + NS;
    this.oI = 2 * N + 2 * NS;
    this.oT = 3 * N + 2 * NS;
    this.size = 3 * N + 2 * NS + 1;
    const eta = base.data.eta;
    this.kap = Float64Array.from({ length: S }, (_, r) => ((1 + policy.tariff[r]) / (1 + base.tariff[r])) ** (1 - eta[r]));
    this.tariffFactor = Float64Array.from({ length: S }, (_, r) => 1 / (1 + policy.tariff[r]));
    this.rowFactor = Float64Array.from({ length: S }, (_, r) => 1 / (1 + base.rowTariff[r]));
    this.taxNew = Float64Array.from(base.tax);
    this.taxNew.set(policy.tax);
    this.logTaxHat = this.taxNew.map((t, k) => Math.log((1 + t) / (1 + base.tax[k])));
    this.gHat = new Float64Array(NS).fill(1);
    this.gHat.set(policy.publicDemand);
    this.a = new Float64Array(NS);
    this.phiSum = new Float64Array(NS);
    this.logP = new Float64Array(NS);
    this.y = new Float64Array(NS);
    this.Vp = new Float64Array(NS);
    this.Cp = new Float64Array(NS);
    this.lc = new Float64Array(NS);
  }

  /** The laissez-faire point: all hats one. */
  baselinePoint(): Float64Array {
    const z = new Float64Array(this.size);
    z.fill(1, this.oX, this.oT);
    z[this.oT] = this.base.unionTax / this.base.unionTaxScale;
    return z;
  }

  private forward(z: Float64Array): void {
    if (this.cachedZ && sameArray(this.cachedZ, z)) return;
    const { N, S, U, base } = this;
    const { pi } = base;
    const eta = base.data.eta;
    const RoW = N - 1;
    for (let r = 0; r < S; r++) {
      const e1 = 1 - eta[r];
      for (let m = 0; m < N; m++) this.a[r * N + m] = Math.exp(e1 * z[this.oP + m * S + r]);
      const phi = this.phiSum.subarray(r * N, r * N + N);
      phi.fill(0);
      for (let m = 0; m < N; m++) {
        const am = this.a[r * N + m];
        const row = (r * N + m) * N;
        if (m === RoW) {
          const ak = am * this.kap[r];
          for (let n = 0; n < U; n++) phi[n] += pi[row + n] * ak;
          phi[RoW] += pi[row + RoW] * am;
        } else for (let n = 0; n < N; n++) phi[n] += pi[row + n] * am;
      }
      for (let n = 0; n < N; n++) {
        this.logP[n * S + r] = Math.log(phi[n]) / e1;
        this.y[r * N + n] = (z[this.oX + n * S + r] * base.absorptionScale[n * S + r]) / phi[n];
      }
      for (let m = 0; m < N; m++) {
        const row = (r * N + m) * N;
        let s = 0;
        if (m === RoW) {
          const f = this.kap[r] * this.tariffFactor[r];
          for (let n = 0; n < U; n++) s += pi[row + n] * this.y[r * N + n];
          s = s * f + pi[row + RoW] * this.y[r * N + RoW];
        } else {
          for (let n = 0; n < U; n++) s += pi[row + n] * this.y[r * N + n];
          s += pi[row + RoW] * this.y[r * N + RoW] * this.rowFactor[r];
        }
        const v = this.a[r * N + m] * s;
        this.Vp[m * S + r] = v;
        this.Cp[m * S + r] = v / (1 + this.taxNew[m * S + r]);
      }
    }
    const { inputShare, inputMix, laborShare } = base.data;
    for (let n = 0; n < N; n++) {
      const factor = laborShare[n] * z[this.oW + n] + (1 - laborShare[n]) * z[this.oK + n];
      for (let r = 0; r < S; r++) {
        const g = inputShare[n * S + r];
        let v = (1 - g) * factor;
        if (g > 0) {
          let io = 0;
          for (let s = 0; s < S; s++) io += inputMix[(n * S + s) * S + r] * this.logP[n * S + s];
          v += g * io;
        }
        this.lc[n * S + r] = v;
      }
    }
    this.cachedZ = Float64Array.from(z);
  }

  /** Union tariff revenue R'_n (n < U) and RoW's tariff revenue, at the cached point. */
  private tariffRevenues(): { union: Float64Array; row: number } {
    const { N, S, U, base } = this;
    const RoW = N - 1;
    const union = new Float64Array(U);
    let row = 0;
    for (let r = 0; r < S; r++) {
      const t = this.policy.tariff[r];
      const rowT = base.rowTariff[r];
      const rowFrom = (r * N + RoW) * N;
      if (t !== 0) {
        const c = (t / (1 + t)) * this.a[r * N + RoW] * this.kap[r];
        for (let n = 0; n < U; n++) union[n] += c * base.pi[rowFrom + n] * this.y[r * N + n];
      }
      if (rowT !== 0) {
        let s = 0;
        for (let m = 0; m < U; m++) s += base.pi[(r * N + m) * N + RoW] * this.a[r * N + m];
        row += (rowT / (1 + rowT)) * s * this.y[r * N + RoW];
      }
    }
    return { union, row };
  }

  residual(z: Float64Array, out: Float64Array): void {
    this.forward(z);
    const { N, S, U, base } = this;
    const { inputShare, inputMix, laborShare, phi: scale } = base.data;
    const RoW = N - 1;
    const rev = this.tariffRevenues();
    const Tp = z[this.oT] * base.unionTaxScale;
    let unionBudget = Tp - base.data.otherUnionSpending;
    for (let n = 0; n < N; n++) {
      const w = Math.exp(z[this.oW + n]);
      const rk = Math.exp(z[this.oK + n]);
      let factorDemand = 0;
      let pubSpend = 0;
      let localTax = 0;
      for (let r = 0; r < S; r++) {
        const nr = n * S + r;
        const up = z[this.oP + nr];
        out[this.oP + nr] = base.output[nr] > 0 ? up - this.logTaxHat[nr] - this.lc[nr] + scale[r] * (Math.log(this.Vp[nr] / base.output[nr]) - up) : up;
        factorDemand += (1 - inputShare[nr]) * this.Cp[nr];
        const pub = Math.exp(this.logP[nr]) * base.publicSpending[nr] * this.gHat[nr];
        pubSpend += pub;
        localTax += (this.taxNew[nr] / (1 + this.taxNew[nr])) * this.Vp[nr];
        let used = 0;
        for (let s = 0; s < S; s++) used += inputShare[n * S + s] * inputMix[(n * S + r) * S + s] * this.Cp[n * S + s];
        out[this.oX + nr] = (z[this.oX + nr] * base.absorptionScale[nr] - base.beta[nr] * base.income[n] * z[this.oI + n] - pub - used) / base.absorptionScale[nr];
      }
      const wL = base.laborIncome[n];
      const rK = base.capitalIncome[n];
      out[this.oW + n] = n === RoW || !(wL > 0) ? z[this.oW + n] : (w * wL - laborShare[n] * factorDemand) / wL;
      out[this.oK + n] = rK > 0 ? (rk * rK - (1 - laborShare[n]) * factorDemand) / rK : z[this.oK + n];
      const factorIncome = w * wL + rk * rK + base.foreignIncome[n];
      if (n < U) {
        out[this.oI + n] = (z[this.oI + n] * base.income[n] - factorIncome + base.data.gniShare[n] * Tp - base.data.otherSpendingShare[n] * base.data.otherUnionSpending) / base.income[n];
        unionBudget -= pubSpend - localTax - rev.union[n];
      } else out[this.oI + n] = (z[this.oI + n] * base.income[n] - factorIncome - rev.row + pubSpend) / base.income[n];
    }
    out[this.oT] = unionBudget / base.unionTaxScale;
  }

  jvp(z: Float64Array, dz: Float64Array, out: Float64Array): void {
    this.forward(z);
    const { N, S, U, base } = this;
    const { pi } = base;
    const { inputShare, inputMix, laborShare, phi: scale, eta } = base.data;
    const RoW = N - 1;
    const NS = N * S;
    const da = new Float64Array(NS);
    const dlogP = new Float64Array(NS); // [N, S]
    const dy = new Float64Array(NS); // [S, N]
    const dV = new Float64Array(NS); // [N, S]
    const dPhi = new Float64Array(N);
    for (let r = 0; r < S; r++) {
      const e1 = 1 - eta[r];
      for (let m = 0; m < N; m++) da[r * N + m] = this.a[r * N + m] * e1 * dz[this.oP + m * S + r];
      dPhi.fill(0);
      for (let m = 0; m < N; m++) {
        const dam = da[r * N + m];
        if (dam === 0) continue;
        const row = (r * N + m) * N;
        if (m === RoW) {
          const k = dam * this.kap[r];
          for (let n = 0; n < U; n++) dPhi[n] += pi[row + n] * k;
          dPhi[RoW] += pi[row + RoW] * dam;
        } else for (let n = 0; n < N; n++) dPhi[n] += pi[row + n] * dam;
      }
      for (let n = 0; n < N; n++) {
        const phi = this.phiSum[r * N + n];
        dlogP[n * S + r] = dPhi[n] / phi / e1;
        dy[r * N + n] = (dz[this.oX + n * S + r] * base.absorptionScale[n * S + r] - this.y[r * N + n] * dPhi[n]) / phi;
      }
      for (let m = 0; m < N; m++) {
        const row = (r * N + m) * N;
        let s = 0;
        if (m === RoW) {
          for (let n = 0; n < U; n++) s += pi[row + n] * dy[r * N + n];
          s = s * this.kap[r] * this.tariffFactor[r] + pi[row + RoW] * dy[r * N + RoW];
        } else {
          for (let n = 0; n < U; n++) s += pi[row + n] * dy[r * N + n];
          s += pi[row + RoW] * dy[r * N + RoW] * this.rowFactor[r];
        }
        const am = this.a[r * N + m];
        dV[m * S + r] = am * s + (am > 0 ? (this.Vp[m * S + r] * da[r * N + m]) / am : 0);
      }
    }
    // Tariff revenues.
    const dRev = new Float64Array(U);
    let dRow = 0;
    for (let r = 0; r < S; r++) {
      const t = this.policy.tariff[r];
      const rowFrom = (r * N + RoW) * N;
      if (t !== 0) {
        const c = (t / (1 + t)) * this.kap[r];
        const aR = this.a[r * N + RoW];
        const daR = da[r * N + RoW];
        for (let n = 0; n < U; n++) dRev[n] += c * pi[rowFrom + n] * (daR * this.y[r * N + n] + aR * dy[r * N + n]);
      }
      const rowT = base.rowTariff[r];
      if (rowT !== 0) {
        let s = 0;
        let ds = 0;
        for (let m = 0; m < U; m++) {
          const p = pi[(r * N + m) * N + RoW];
          s += p * this.a[r * N + m];
          ds += p * da[r * N + m];
        }
        dRow += (rowT / (1 + rowT)) * (ds * this.y[r * N + RoW] + s * dy[r * N + RoW]);
      }
    }
    const dTp = dz[this.oT] * base.unionTaxScale;
    let dUnion = dTp;
    const dC = new Float64Array(S);
    for (let n = 0; n < N; n++) {
      const w = Math.exp(z[this.oW + n]);
      const rk = Math.exp(z[this.oK + n]);
      const dFactor = laborShare[n] * dz[this.oW + n] + (1 - laborShare[n]) * dz[this.oK + n];
      let dFactorDemand = 0;
      let dPub = 0;
      let dLocalTax = 0;
      for (let r = 0; r < S; r++) dC[r] = dV[n * S + r] / (1 + this.taxNew[n * S + r]);
      for (let r = 0; r < S; r++) {
        const nr = n * S + r;
        const g = inputShare[nr];
        let dlc = (1 - g) * dFactor;
        if (g > 0) {
          let io = 0;
          for (let s = 0; s < S; s++) io += inputMix[(n * S + s) * S + r] * dlogP[n * S + s];
          dlc += g * io;
        }
        const dup = dz[this.oP + nr];
        out[this.oP + nr] = base.output[nr] > 0 ? dup - dlc + scale[r] * (dV[nr] / this.Vp[nr] - dup) : dup;
        dFactorDemand += (1 - g) * dC[r];
        const dp = Math.exp(this.logP[nr]) * base.publicSpending[nr] * this.gHat[nr] * dlogP[nr];
        dPub += dp;
        dLocalTax += (this.taxNew[nr] / (1 + this.taxNew[nr])) * dV[nr];
        let used = 0;
        for (let s = 0; s < S; s++) used += inputShare[n * S + s] * inputMix[(n * S + r) * S + s] * dC[s];
        out[this.oX + nr] = (dz[this.oX + nr] * base.absorptionScale[nr] - base.beta[nr] * base.income[n] * dz[this.oI + n] - dp - used) / base.absorptionScale[nr];
      }
      const wL = base.laborIncome[n];
      const rK = base.capitalIncome[n];
      out[this.oW + n] = n === RoW || !(wL > 0) ? dz[this.oW + n] : (w * wL * dz[this.oW + n] - laborShare[n] * dFactorDemand) / wL;
      out[this.oK + n] = rK > 0 ? (rk * rK * dz[this.oK + n] - (1 - laborShare[n]) * dFactorDemand) / rK : dz[this.oK + n];
      const dFactorIncome = w * wL * dz[this.oW + n] + rk * rK * dz[this.oK + n];
      if (n < U) {
        out[this.oI + n] = (dz[this.oI + n] * base.income[n] - dFactorIncome + base.data.gniShare[n] * dTp) / base.income[n];
        dUnion -= dPub - dLocalTax - dRev[n];
      } else out[this.oI + n] = (dz[this.oI + n] * base.income[n] - dFactorIncome - dRow + dPub) / base.income[n];
    }
    out[this.oT] = dUnion / base.unionTaxScale;
  }

  vjp(z: Float64Array, v: Float64Array, out: Float64Array): void {
    this.reverse(z, v, out, null, null);
  }

  /**
   * Pull-back of a cotangent on the price indices log P̂ [N, S] to the unknowns and the policy (welfare
   * depends on z through log P̂ = log Φ/(1−η), an explicit function of producer prices and the tariff).
   */
  pullbackPriceIndex(z: Float64Array, logPBar: Float64Array): { z: Float64Array; policy: PolicyAdjoint } {
    const { U, S } = this;
    const policy: PolicyAdjoint = { tariff: new Float64Array(S), tax: new Float64Array(U * S), publicDemand: new Float64Array(U * S) };
    const out = new Float64Array(this.size);
    this.reverse(z, new Float64Array(this.size), out, policy, logPBar);
    return { z: out, policy };
  }

  /** vᵀ ∂F/∂policy at z (the policy part of ∇_a W = ∂_a W − vᵀ ∂_a F). */
  vjpPolicy(z: Float64Array, v: Float64Array): PolicyAdjoint {
    const { U, S } = this;
    const adj: PolicyAdjoint = { tariff: new Float64Array(S), tax: new Float64Array(U * S), publicDemand: new Float64Array(U * S) };
    this.reverse(z, v, new Float64Array(this.size), adj, null);
    return adj;
  }

  private reverse(z: Float64Array, v: Float64Array, out: Float64Array, pol: PolicyAdjoint | null, logPSeed: Float64Array | null): void {
    this.forward(z);
    out.fill(0);
    const { N, S, U, base } = this;
    const { pi } = base;
    const { inputShare, inputMix, laborShare, phi: scale, eta } = base.data;
    const RoW = N - 1;
    const NS = N * S;
    const VBar = new Float64Array(NS); // [N, S]
    const CBar = new Float64Array(NS);
    const logPBar = logPSeed ? Float64Array.from(logPSeed) : new Float64Array(NS); // [N, S]
    const lcBar = new Float64Array(NS);
    const revBar = new Float64Array(U);
    const taxBar = pol ? new Float64Array(NS) : null; // ∂/∂τ̃' [N, S]
    const vT = v[this.oT] / base.unionTaxScale;
    out[this.oT] += v[this.oT];
    let rowRevBar = 0;
    for (let n = 0; n < N; n++) {
      const w = Math.exp(z[this.oW + n]);
      const rk = Math.exp(z[this.oK + n]);
      const wL = base.laborIncome[n];
      const rK = base.capitalIncome[n];
      // I block.
      const vi = v[this.oI + n] / base.income[n];
      out[this.oI + n] += v[this.oI + n];
      out[this.oW + n] -= vi * w * wL;
      out[this.oK + n] -= vi * rk * rK;
      // Public spending and local taxes enter the union budget (union) or RoW's income (RoW).
      const pubBar = n < U ? -vT : vi;
      if (n < U) {
        out[this.oT] += vi * base.data.gniShare[n] * base.unionTaxScale;
        revBar[n] += vT;
      } else rowRevBar -= vi;
      // W and K blocks: factor demand Σ_r (1−γ) C'.
      let factorDemandBar = 0;
      if (n === RoW || !(wL > 0)) out[this.oW + n] += v[this.oW + n];
      else {
        out[this.oW + n] += v[this.oW + n] * w;
        factorDemandBar -= (v[this.oW + n] * laborShare[n]) / wL;
      }
      if (rK > 0) {
        out[this.oK + n] += v[this.oK + n] * rk;
        factorDemandBar -= (v[this.oK + n] * (1 - laborShare[n])) / rK;
      } else out[this.oK + n] += v[this.oK + n];
      for (let r = 0; r < S; r++) {
        const nr = n * S + r;
        CBar[nr] += factorDemandBar * (1 - inputShare[nr]);
        const Pexp = Math.exp(this.logP[nr]);
        // Public spending P̂ PG Ĝ: in the union budget (union) or RoW income.
        logPBar[nr] += pubBar * Pexp * base.publicSpending[nr] * this.gHat[nr];
        if (pol && n < U) pol.publicDemand[nr] += pubBar * Pexp * base.publicSpending[nr];
        // Local tax revenue T'_n enters the union budget with a minus sign.
        if (n < U) {
          const t = this.taxNew[nr];
          VBar[nr] += vT * (t / (1 + t));
          if (taxBar) taxBar[nr] += (vT * this.Vp[nr]) / (1 + t) ** 2;
        }
        // X block.
        const vx = v[this.oX + nr] / base.absorptionScale[nr];
        out[this.oX + nr] += v[this.oX + nr];
        out[this.oI + n] -= vx * base.beta[nr] * base.income[n];
        logPBar[nr] -= vx * Pexp * base.publicSpending[nr] * this.gHat[nr];
        if (pol && n < U) pol.publicDemand[nr] -= vx * Pexp * base.publicSpending[nr];
        if (vx !== 0) for (let s = 0; s < S; s++) CBar[n * S + s] -= vx * inputShare[n * S + s] * inputMix[(n * S + r) * S + s];
        // P block.
        const vp = v[this.oP + nr];
        if (base.output[nr] > 0) {
          out[this.oP + nr] += vp * (1 - scale[r]);
          lcBar[nr] -= vp;
          VBar[nr] += (vp * scale[r]) / this.Vp[nr];
          if (taxBar) taxBar[nr] -= vp / (1 + this.taxNew[nr]);
        } else out[this.oP + nr] += vp;
      }
    }
    // log ĉ → factor prices and price indices.
    for (let n = 0; n < N; n++) {
      for (let r = 0; r < S; r++) {
        const nr = n * S + r;
        const bar = lcBar[nr];
        if (bar === 0) continue;
        const g = inputShare[nr];
        out[this.oW + n] += bar * (1 - g) * laborShare[n];
        out[this.oK + n] += bar * (1 - g) * (1 - laborShare[n]);
        if (g > 0) for (let s = 0; s < S; s++) logPBar[n * S + s] += bar * g * inputMix[(n * S + s) * S + r];
      }
    }
    // C' = V'/(1+τ̃').
    for (let k = 0; k < NS; k++) {
      VBar[k] += CBar[k] / (1 + this.taxNew[k]);
      if (taxBar) taxBar[k] -= (CBar[k] * this.Vp[k]) / (1 + this.taxNew[k]) ** 2;
    }
    // Bilateral part, sector by sector.
    const aBar = new Float64Array(N);
    const yBar = new Float64Array(N);
    const phiBar = new Float64Array(N);
    for (let r = 0; r < S; r++) {
      const e1 = 1 - eta[r];
      aBar.fill(0);
      yBar.fill(0);
      let kapBar = 0;
      let tBar = 0;
      const t = this.policy.tariff[r];
      // Tariff revenues R'_n = t/(1+t) π a_RoW k y_n and R'^{RoW}.
      const rowFrom = (r * N + RoW) * N;
      const aR = this.a[r * N + RoW];
      for (let n = 0; n < U; n++) {
        const b = revBar[n];
        if (b === 0) continue;
        const p = pi[rowFrom + n];
        const yn = this.y[r * N + n];
        yBar[n] += b * (t / (1 + t)) * p * this.kap[r] * aR;
        aBar[RoW] += b * (t / (1 + t)) * p * this.kap[r] * yn;
        kapBar += b * (t / (1 + t)) * p * aR * yn;
        tBar += (b * p * this.kap[r] * aR * yn) / (1 + t) ** 2;
      }
      const rowT = base.rowTariff[r];
      if (rowT !== 0 && rowRevBar !== 0) {
        const c = rowRevBar * (rowT / (1 + rowT));
        let s = 0;
        for (let m = 0; m < U; m++) {
          const p = pi[(r * N + m) * N + RoW];
          s += p * this.a[r * N + m];
          aBar[m] += c * p * this.y[r * N + RoW];
        }
        yBar[RoW] += c * s;
      }
      // V'_m = a_m Σ_n π k tf y_n.
      for (let m = 0; m < N; m++) {
        const vb = VBar[m * S + r];
        if (vb === 0) continue;
        const am = this.a[r * N + m];
        if (am > 0) aBar[m] += (vb * this.Vp[m * S + r]) / am;
        const row = (r * N + m) * N;
        if (m === RoW) {
          const f = this.kap[r] * this.tariffFactor[r];
          let q = 0;
          for (let n = 0; n < U; n++) {
            yBar[n] += vb * am * pi[row + n] * f;
            q += pi[row + n] * this.y[r * N + n];
          }
          yBar[RoW] += vb * am * pi[row + RoW];
          kapBar += vb * am * q * this.tariffFactor[r];
          tBar -= vb * am * this.kap[r] * q * this.tariffFactor[r] ** 2;
        } else {
          for (let n = 0; n < U; n++) yBar[n] += vb * am * pi[row + n];
          yBar[RoW] += vb * am * pi[row + RoW] * this.rowFactor[r];
        }
      }
      // y_n = X'_n/Φ_n, log P̂_n = log Φ_n/(1−η).
      for (let n = 0; n < N; n++) {
        const phi = this.phiSum[r * N + n];
        out[this.oX + n * S + r] += (yBar[n] * base.absorptionScale[n * S + r]) / phi;
        phiBar[n] = -(yBar[n] * this.y[r * N + n]) / phi + logPBar[n * S + r] / (phi * e1);
      }
      // Φ_n = Σ_m π a_m k.
      for (let m = 0; m < N; m++) {
        const row = (r * N + m) * N;
        let s = 0;
        if (m === RoW) {
          let q = 0;
          for (let n = 0; n < U; n++) q += pi[row + n] * phiBar[n];
          s = q * this.kap[r] + pi[row + RoW] * phiBar[RoW];
          kapBar += q * this.a[r * N + m];
        } else for (let n = 0; n < N; n++) s += pi[row + n] * phiBar[n];
        aBar[m] += s;
        out[this.oP + m * S + r] += aBar[m] * this.a[r * N + m] * e1;
      }
      if (pol) pol.tariff[r] += tBar + (kapBar * e1 * this.kap[r]) / (1 + t);
    }
    if (pol && taxBar) pol.tax.set(taxBar.subarray(0, U * S));
  }

  /** Quantities at z for reporting and accounting checks. */
  accounts(z: Float64Array) {
    this.forward(z);
    const { N, S, U, base } = this;
    const rev = this.tariffRevenues();
    const localTax = new Float64Array(N);
    const publicSpend = new Float64Array(N);
    for (let n = 0; n < N; n++) {
      for (let r = 0; r < S; r++) {
        const nr = n * S + r;
        localTax[n] += (this.taxNew[nr] / (1 + this.taxNew[nr])) * this.Vp[nr];
        publicSpend[n] += Math.exp(this.logP[nr]) * base.publicSpending[nr] * this.gHat[nr];
      }
    }
    const deficit = Float64Array.from({ length: U }, (_, n) => publicSpend[n] - localTax[n]);
    return {
      output: Float64Array.from(this.Vp),
      logPriceIndex: Float64Array.from(this.logP),
      localTax, publicSpend, deficit, unionTariffRevenue: rev.union, rowTariffRevenue: rev.row,
      unionTax: z[this.oT] * base.unionTaxScale,
    };
  }

  /** Union imports from the rest of the world by sector, Σ_{n∈U} π'^r_{RoW,n} X'^r_n (buyer prices), at z. */
  importsFromRoW(z: Float64Array): Float64Array {
    this.forward(z);
    const { N, S, U, base } = this;
    const RoW = N - 1;
    return Float64Array.from({ length: S }, (_, r) => {
      let m = 0;
      for (let n = 0; n < U; n++) {
        const share = (base.pi[(r * N + RoW) * N + n] * this.a[r * N + RoW] * this.kap[r]) / this.phiSum[r * N + n];
        m += share * z[this.oX + n * S + r] * base.absorptionScale[n * S + r];
      }
      return m;
    });
  }

  /** Origin shares π'^r_{mn} [r, m, n] at z. */
  shares(z: Float64Array): Float64Array {
    this.forward(z);
    const { N, S, U, base } = this;
    const out = new Float64Array(S * N * N);
    for (let r = 0; r < S; r++) {
      for (let m = 0; m < N; m++) {
        for (let n = 0; n < N; n++) {
          const k = m === N - 1 && n < U ? this.kap[r] : 1;
          out[(r * N + m) * N + n] = (base.pi[(r * N + m) * N + n] * this.a[r * N + m] * k) / this.phiSum[r * N + n];
        }
      }
    }
    return out;
  }
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
