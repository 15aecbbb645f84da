// The exact-hat-algebra residual system F(z; policy) = 0 of MODELS.md §D.3 (H1)–(H10), with its
// Jacobian–vector product (for Newton) and vector–Jacobian products with respect to the unknowns and
// to the policy wedges (for the adjoint welfare gradient, §D.4), all hand-written in float64.
//
// Why float64 plain TypeScript and not float32 tensors: the facts D3–D5 are checked to 1e-4 at optima
// found through gradients, and D12 compares adjoint gradients with central differences of step 1e-6;
// float32 (≈1e-7 relative) makes those differences pure rounding noise. The system is small (938
// unknowns for 7×44) and its operations are gathers and short reductions, where tensors do not pay.
//
// Unknowns z (all O(1) at the baseline):
//   [0, N)            log ŵ_i
//   [N, N+NJ)         log L̂^j_i
//   [N+NJ, N+2NJ)     log P̂^j_n
//   [N+2NJ, N+3NJ)    log(X'^j_n / X^j_n)      (spending relative to baseline spending)
//   [N+3NJ, 2N+3NJ)   log(Y'_i / Y_i)
// All unknowns are logs, so spending and income stay positive: with levels, Newton can land on
// "solutions" with negative spending in some sector, which are not equilibria.
// Residuals, scaled to be relative:
//   P block  (H3)  log P̂^j_n + log(Σ_i λ^j_in L̂^{θψ} (ĉ κ̂)^{−θ}) / θ_j
//   L block  (H6)  ŵ_i L̂^j_i − γ^j_i R'^j_i / (w_i L^j_i)
//   W block  (H7)  Σ_j ℓ^j_i L̂^j_i − 1, except the last country: (H10) Σ_i ŵ_i w_iL_i / Σ_i w_iL_i − 1
//   X block  (H8)  (X'^j_i − α^j_i Y'_i − Σ_k γ^{j,k}_i R'^k_i) / X^j_i
//   Y block  (H9)  (Y'_i − ŵ_i w_iL_i − revenue'_i − D_i) / Y_i
import type { Baseline } from './baseline.ts';
import type { DifferentiableSystem } from './solver/newton-krylov.ts';

/** Absolute policy wedges of the counterfactual (MODELS.md §D.1), full arrays. */
export interface Wedges {
  tariff: Float64Array; // [i, n, j], set by importer n
  exportTax: Float64Array; // [i, n, j], set by exporter i
  subsidy: Float64Array; // [i, j]
  iceberg: Float64Array; // τ̂ [i, n, j]; 1 = unchanged
}

export interface WedgeAdjoint {
  tariff: Float64Array;
  exportTax: Float64Array;
  subsidy: Float64Array;
}

export class HatSystem implements DifferentiableSystem {
  readonly N: number;
  readonly J: number;
  readonly size: number;
  readonly offW: number;
  readonly offL: number;
  readonly offP: number;
  readonly offX: number;
  readonly offY: number;
  private readonly totalLabor: number;
  // Policy-dependent coefficients, [i, n, j].
  private readonly wedgeNew: Float64Array;
  private readonly logKappaHat: Float64Array;
  private readonly exporterRevenue: Float64Array; // −s' + e'(1−s')
  private readonly importerRevenue: Float64Array; // t'(1−s')(1+e')
  // Forward intermediates at `cachedZ`.
  private cachedZ: Float64Array | null = null;
  private readonly lc: Float64Array; // log ĉ, [i, j]
  private readonly logS: Float64Array; // [n, j]
  private readonly lam: Float64Array; // λ', [i, n, j]
  private readonly Rp: Float64Array; // R', [i, n, j]
  private readonly Rtot: Float64Array; // [i, j]
  /** Country of every unknown and equation (for block-Jacobi preconditioning of large systems). */
  readonly blockOf: Int32Array;
  // Scratch space of jvp(), reused (the dense Jacobian takes one JVP per unknown).
  private readonly scratch: { dlc: Float64Array; dR: Float64Array; dRtot: Float64Array; dex: Float64Array; dRev: Float64Array };

  constructor(
    readonly base: Baseline,
    readonly wedges: Wedges,
    /** D_i held fixed in units of the numeraire (world labour income), or zeros to balance trade. */
    readonly deficit: Float64Array,
  ) {
    const { N, J } = base;
    this.N = N;
    this.J = J;
    this.offW = 0;
    this.offL = N;
    this.offP = N + N * J;
    this.offX = N + 2 * N * J;
    this.offY = N + 3 * N * J;
    this.size = 2 * N + 3 * N * J;
    this.totalLabor = base.laborIncome.reduce((a, b) => a + b, 0);
    const NNJ = N * N * J;
    this.wedgeNew = new Float64Array(NNJ);
    this.logKappaHat = new Float64Array(NNJ);
    this.exporterRevenue = new Float64Array(NNJ);
    this.importerRevenue = new Float64Array(NNJ);
    for (let i = 0; i < N; i++) {
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < J; j++) {
          const k = (i * N + n) * J + j;
          const s = wedges.subsidy[i * J + j];
          const e = wedges.exportTax[k];
          const t = wedges.tariff[k];
          this.wedgeNew[k] = (1 - s) * (1 + e) * (1 + t); // (H2)
          this.logKappaHat[k] = Math.log(wedges.iceberg[k]) + Math.log(this.wedgeNew[k] / base.wedge[k]);
          this.exporterRevenue[k] = -s + e * (1 - s);
          this.importerRevenue[k] = t * (1 - s) * (1 + e);
        }
      }
    }
    this.lc = new Float64Array(N * J);
    this.logS = new Float64Array(N * J);
    this.lam = new Float64Array(NNJ);
    this.Rp = new Float64Array(NNJ);
    this.Rtot = new Float64Array(N * J);
    this.blockOf = new Int32Array(this.size);
    for (let k = 0; k < this.size; k++) {
      this.blockOf[k] = k < this.offL ? k : k < this.offY ? Math.floor(((k - this.offL) % (N * J)) / J) : k - this.offY;
    }
    this.scratch = { dlc: new Float64Array(N * J), dR: new Float64Array(NNJ), dRtot: new Float64Array(N * J), dex: new Float64Array(N), dRev: new Float64Array(N) };
  }

  /**
   * Row weights for the linear solves (DifferentiableSystem.rowScale): the (H6) row of a sector is
   * divided by ŵ L̂ and the (H8) row by X'/X. Under extreme policies a sector can all but vanish (with
   * scale economies L̂ reaches e^{−40}); every term of its (H6) row is then proportional to L̂ and the
   * Jacobian is numerically singular (smallest singular values ~1e-13 measured at such a policy), so
   * GMRES and the dense LU fail. Scaled, the row is the log form d log ŵ + d log L̂ − d log R' (unit diagonal).
   */
  rowScale(z: Float64Array): Float64Array {
    const { N, J, offW, offL, offX } = this;
    const s = new Float64Array(this.size).fill(1);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < J; j++) {
        const ij = i * J + j;
        // Weights ≥ 1 (only vanishing rows are lifted), capped at e^200 so that weight × entry stays finite.
        if (this.base.laborIncomeSector[ij] > 0) s[offL + ij] = Math.exp(Math.min(200, Math.max(0, -(z[offW + i] + z[offL + ij]))));
        s[offX + ij] = Math.exp(Math.min(200, Math.max(0, -z[offX + ij])));
      }
    }
    return s;
  }

  /** The baseline point z = 0: the solution when the wedges are the data's (D1). */
  baselinePoint(): Float64Array {
    return new Float64Array(this.size);
  }

  private forward(z: Float64Array): void {
    if (this.cachedZ && this.cachedZ.length === z.length && sameArray(this.cachedZ, z)) return;
    const { N, J, base } = this;
    const { vaShare, ioShare, theta, psi } = base.data;
    const { offW, offL, offP, offX } = this;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < J; j++) {
        // (H1) log ĉ = γ log ŵ + Σ_k γ^{k,j} log P̂^k
        let v = vaShare[i * J + j] * z[offW + i];
        for (let k = 0; k < J; k++) v += ioShare[(i * J + k) * J + j] * z[offP + i * J + k];
        this.lc[i * J + j] = v;
      }
    }
    this.Rtot.fill(0);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < J; j++) {
        const th = theta[j];
        const thPsi = th * psi[j];
        // (H3)/(H4): shares of origins in n's sector-j spending, via a max-shifted log-sum-exp.
        let m = -Infinity;
        for (let i = 0; i < N; i++) {
          const k = (i * N + n) * J + j;
          if (base.lambda[k] === 0) continue;
          const ex = Math.log(base.lambda[k]) + thPsi * z[offL + i * J + j] - th * (this.lc[i * J + j] + this.logKappaHat[k]);
          this.lam[k] = ex;
          if (ex > m) m = ex;
        }
        let S = 0;
        for (let i = 0; i < N; i++) {
          const k = (i * N + n) * J + j;
          if (base.lambda[k] === 0) continue;
          this.lam[k] = Math.exp(this.lam[k] - m);
          S += this.lam[k];
        }
        this.logS[n * J + j] = m + Math.log(S);
        const Xp = Math.exp(z[offX + n * J + j]) * base.absorptionScale[n * J + j];
        for (let i = 0; i < N; i++) {
          const k = (i * N + n) * J + j;
          if (base.lambda[k] === 0) {
            this.lam[k] = 0;
            this.Rp[k] = 0;
            continue;
          }
          this.lam[k] /= S;
          this.Rp[k] = (this.lam[k] * Xp) / this.wedgeNew[k]; // (H5)
          this.Rtot[i * J + j] += this.Rp[k];
        }
      }
    }
    this.cachedZ = Float64Array.from(z);
  }

  residual(z: Float64Array, out: Float64Array): void {
    this.forward(z);
    const { N, J, base } = this;
    const { vaShare, ioShare, theta } = base.data;
    const { offW, offL, offP, offX, offY } = this;
    for (let n = 0; n < N; n++) for (let j = 0; j < J; j++) out[offP + n * J + j] = z[offP + n * J + j] + this.logS[n * J + j] / theta[j];
    const revenue = this.revenue();
    for (let i = 0; i < N; i++) {
      const w = Math.exp(z[offW + i]);
      let employment = 0;
      for (let j = 0; j < J; j++) {
        const ij = i * J + j;
        const wL = base.laborIncomeSector[ij];
        const Lhat = Math.exp(z[offL + ij]);
        out[offL + ij] = wL > 0 ? w * Lhat - (vaShare[ij] * this.Rtot[ij]) / wL : z[offL + ij];
        employment += base.laborShare[ij] * Lhat;
        let used = 0;
        for (let k = 0; k < J; k++) used += ioShare[(i * J + j) * J + k] * this.Rtot[i * J + k];
        out[offX + ij] = Math.exp(z[offX + ij]) - (base.alpha[ij] * base.income[i] * Math.exp(z[offY + i]) + used) / base.absorptionScale[ij];
      }
      out[offW + i] = employment - 1;
      out[offY + i] = Math.exp(z[offY + i]) - (w * base.laborIncome[i] + revenue[i] + this.deficit[i]) / base.income[i];
    }
    let world = 0;
    for (let i = 0; i < N; i++) world += Math.exp(z[offW + i]) * base.laborIncome[i];
    out[offW + N - 1] = world / this.totalLabor - 1; // (H10) replaces one (H7) (Walras, D2)
  }

  /** Tax revenue net of subsidies per country at the cached point (MODELS.md §D.1 income). */
  private revenue(): Float64Array {
    const { N, J } = this;
    const rev = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < J; j++) {
          const k = (i * N + n) * J + j;
          rev[i] += this.exporterRevenue[k] * this.Rp[k];
          rev[n] += this.importerRevenue[k] * this.Rp[k];
        }
      }
    }
    return rev;
  }

  jvp(z: Float64Array, dz: Float64Array, out: Float64Array): void {
    this.forward(z);
    const { N, J, base } = this;
    const { vaShare, ioShare, theta, psi } = base.data;
    const { offW, offL, offP, offX, offY } = this;
    const { dlc, dR, dRtot, dex, dRev } = this.scratch;
    dR.fill(0);
    dRtot.fill(0);
    dRev.fill(0);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < J; j++) {
        let v = vaShare[i * J + j] * dz[offW + i];
        for (let k = 0; k < J; k++) v += ioShare[(i * J + k) * J + j] * dz[offP + i * J + k];
        dlc[i * J + j] = v;
      }
    }
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < J; j++) {
        const th = theta[j];
        const thPsi = th * psi[j];
        let mean = 0;
        for (let i = 0; i < N; i++) {
          const k = (i * N + n) * J + j;
          dex[i] = thPsi * dz[offL + i * J + j] - th * dlc[i * J + j];
          mean += this.lam[k] * dex[i];
        }
        out[offP + n * J + j] = dz[offP + n * J + j] + mean / th;
        const Xp = Math.exp(z[offX + n * J + j]) * base.absorptionScale[n * J + j];
        const dXp = Xp * dz[offX + n * J + j];
        for (let i = 0; i < N; i++) {
          const k = (i * N + n) * J + j;
          if (this.lam[k] === 0) continue;
          const dlam = this.lam[k] * (dex[i] - mean);
          dR[k] = (dlam * Xp + this.lam[k] * dXp) / this.wedgeNew[k];
          dRtot[i * J + j] += dR[k];
        }
      }
    }
    for (let i = 0; i < N; i++) {
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < J; j++) {
          const k = (i * N + n) * J + j;
          dRev[i] += this.exporterRevenue[k] * dR[k];
          dRev[n] += this.importerRevenue[k] * dR[k];
        }
      }
    }
    let dWorld = 0;
    for (let i = 0; i < N; i++) {
      const w = Math.exp(z[offW + i]);
      let dEmployment = 0;
      for (let j = 0; j < J; j++) {
        const ij = i * J + j;
        const wL = base.laborIncomeSector[ij];
        const Lhat = Math.exp(z[offL + ij]);
        out[offL + ij] = wL > 0 ? w * Lhat * (dz[offW + i] + dz[offL + ij]) - (vaShare[ij] * dRtot[ij]) / wL : dz[offL + ij];
        dEmployment += base.laborShare[ij] * Lhat * dz[offL + ij];
        let used = 0;
        for (let k = 0; k < J; k++) used += ioShare[(i * J + j) * J + k] * dRtot[i * J + k];
        const y = Math.exp(z[offY + i]);
        out[offX + ij] = Math.exp(z[offX + ij]) * dz[offX + ij] - (base.alpha[ij] * base.income[i] * y * dz[offY + i] + used) / base.absorptionScale[ij];
      }
      out[offW + i] = dEmployment;
      out[offY + i] = Math.exp(z[offY + i]) * dz[offY + i] - (w * base.laborIncome[i] * dz[offW + i] + dRev[i]) / base.income[i];
      dWorld += w * base.laborIncome[i] * dz[offW + i];
    }
    out[offW + N - 1] = dWorld / this.totalLabor;
  }

  vjp(z: Float64Array, v: Float64Array, out: Float64Array): void {
    this.vjpFull(z, v, out, null);
  }

  /** vᵀ ∂F/∂wedges at z (the policy part of the adjoint formula ∇_a W = ∂_a W − vᵀ ∂_a F). */
  vjpWedges(z: Float64Array, v: Float64Array): WedgeAdjoint {
    const { N, J } = this;
    const adj: WedgeAdjoint = {
      tariff: new Float64Array(N * N * J),
      exportTax: new Float64Array(N * N * J),
      subsidy: new Float64Array(N * J),
    };
    this.vjpFull(z, v, new Float64Array(this.size), adj);
    return adj;
  }

  private vjpFull(z: Float64Array, v: Float64Array, out: Float64Array, wedgeAdj: WedgeAdjoint | null): void {
    this.forward(z);
    out.fill(0);
    const { N, J, base } = this;
    const { vaShare, ioShare, theta, psi } = base.data;
    const { offW, offL, offP, offX, offY } = this;
    const NNJ = N * N * J;
    const Rbar = new Float64Array(NNJ);
    const RtotBar = new Float64Array(N * J);
    const logWedgeBar = wedgeAdj ? new Float64Array(NNJ) : null;
    // Numeraire row (H10).
    const vNum = v[offW + N - 1];
    for (let i = 0; i < N; i++) {
      const w = Math.exp(z[offW + i]);
      out[offW + i] += (vNum * w * base.laborIncome[i]) / this.totalLabor;
      // Y block (H9).
      const vY = v[offY + i];
      const y = Math.exp(z[offY + i]);
      out[offY + i] += vY * y;
      out[offW + i] -= (vY * w * base.laborIncome[i]) / base.income[i];
      for (let j = 0; j < J; j++) {
        const ij = i * J + j;
        // X block (H8).
        const vX = v[offX + ij] / base.absorptionScale[ij];
        out[offX + ij] += v[offX + ij] * Math.exp(z[offX + ij]);
        out[offY + i] -= vX * base.alpha[ij] * base.income[i] * y;
        for (let k = 0; k < J; k++) RtotBar[i * J + k] -= vX * ioShare[(i * J + j) * J + k];
        // L block (H6).
        const wL = base.laborIncomeSector[ij];
        const Lhat = Math.exp(z[offL + ij]);
        const vL = v[offL + ij];
        if (wL > 0) {
          out[offW + i] += vL * w * Lhat;
          out[offL + ij] += vL * w * Lhat;
          RtotBar[ij] -= (vL * vaShare[ij]) / wL;
        } else out[offL + ij] += vL;
        // W block (H7), all countries but the numeraire's row.
        if (i !== N - 1) out[offL + ij] += v[offW + i] * base.laborShare[ij] * Lhat;
      }
    }
    // Revenue terms of (H9): exporter i and importer n of each flow.
    for (let i = 0; i < N; i++) {
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < J; j++) {
          const k = (i * N + n) * J + j;
          const vi = v[offY + i] / base.income[i];
          const vn = v[offY + n] / base.income[n];
          Rbar[k] = RtotBar[i * J + j] - vi * this.exporterRevenue[k] - vn * this.importerRevenue[k];
          if (wedgeAdj) {
            const s = this.wedges.subsidy[i * J + j];
            const e = this.wedges.exportTax[k];
            const t = this.wedges.tariff[k];
            const outBar = -vi * this.Rp[k];
            const inBar = -vn * this.Rp[k];
            wedgeAdj.tariff[k] += inBar * (1 - s) * (1 + e);
            wedgeAdj.exportTax[k] += outBar * (1 - s) + inBar * t * (1 - s);
            wedgeAdj.subsidy[i * J + j] += outBar * (-1 - e) - inBar * t * (1 + e);
          }
        }
      }
    }
    // Shares and prices (H3)–(H5).
    const lcBar = new Float64Array(N * J);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < J; j++) {
        const th = theta[j];
        const thPsi = th * psi[j];
        const Xp = Math.exp(z[offX + n * J + j]) * base.absorptionScale[n * J + j];
        const vP = v[offP + n * J + j];
        out[offP + n * J + j] += vP;
        let XpBar = 0;
        let lamDotBar = 0;
        for (let i = 0; i < N; i++) {
          const k = (i * N + n) * J + j;
          if (this.lam[k] === 0) continue;
          XpBar += (Rbar[k] * this.lam[k]) / this.wedgeNew[k];
          lamDotBar += this.lam[k] * ((Rbar[k] * Xp) / this.wedgeNew[k]);
          if (logWedgeBar) logWedgeBar[k] -= Rbar[k] * this.Rp[k];
        }
        out[offX + n * J + j] += XpBar * Xp;
        for (let i = 0; i < N; i++) {
          const k = (i * N + n) * J + j;
          if (this.lam[k] === 0) continue;
          const lamBar = (Rbar[k] * Xp) / this.wedgeNew[k];
          const exBar = this.lam[k] * (lamBar - lamDotBar) + (this.lam[k] * vP) / th;
          out[offL + i * J + j] += thPsi * exBar;
          lcBar[i * J + j] -= th * exBar;
          if (logWedgeBar) logWedgeBar[k] -= th * exBar; // log κ̂ contains log wedge'
        }
      }
    }
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < J; j++) {
        const bar = lcBar[i * J + j];
        if (bar === 0) continue;
        out[offW + i] += vaShare[i * J + j] * bar;
        for (let k = 0; k < J; k++) out[offP + i * J + k] += ioShare[(i * J + k) * J + j] * bar;
      }
    }
    if (wedgeAdj && logWedgeBar) {
      for (let i = 0; i < N; i++) {
        for (let n = 0; n < N; n++) {
          for (let j = 0; j < J; j++) {
            const k = (i * N + n) * J + j;
            const b = logWedgeBar[k];
            wedgeAdj.tariff[k] += b / (1 + this.wedges.tariff[k]);
            wedgeAdj.exportTax[k] += b / (1 + this.wedges.exportTax[k]);
            wedgeAdj.subsidy[i * J + j] -= b / (1 - this.wedges.subsidy[i * J + j]);
          }
        }
      }
    }
  }

  /** λ'^j_{in}, R'^j_{in} at z (copies). */
  shares(z: Float64Array): { lambda: Float64Array; sales: Float64Array } {
    this.forward(z);
    return { lambda: Float64Array.from(this.lam), sales: Float64Array.from(this.Rp) };
  }
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
