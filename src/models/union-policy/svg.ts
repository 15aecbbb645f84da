// Small hand-made SVG charts for the union experiments: a histogram of an instrument's distribution
// over sector-regions and a bar chart of values by sector (e.g. the common external tariff).

const W = 640;
const H = 360;
const M = { left: 60, right: 20, top: 40, bottom: 50 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

function frame(title: string, xLabel: string, yLabel: string, body: string, xTicks: string, yTicks: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
    body,
    xTicks,
    yTicks,
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="15" y="${H / 2}" text-anchor="middle" transform="rotate(-90 15 ${H / 2})">${esc(yLabel)}</text>`,
    '</svg>',
  ].join('\n');
}

function yAxis(max: number, toY: (v: number) => number, min = 0): string {
  const out: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = min + ((max - min) * k) / 4;
    const y = toY(v);
    out.push(`<line x1="${M.left - 4}" y1="${y}" x2="${M.left}" y2="${y}" stroke="black"/><text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  return out.join('\n');
}

/** Histogram of `values` with `bins` equal-width bins. */
export function histogramSvg(values: ArrayLike<number>, title: string, xLabel: string, bins = 30): string {
  const v = Array.from(values).filter(Number.isFinite);
  let lo = Math.min(...v);
  let hi = Math.max(...v);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const counts = new Array<number>(bins).fill(0);
  for (const x of v) counts[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))]++;
  const top = Math.max(1, ...counts);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const toY = (c: number) => H - M.bottom - (c / top) * plotH;
  const bw = plotW / bins;
  const bars = counts.map((c, k) => `<rect x="${M.left + k * bw + 0.5}" y="${toY(c)}" width="${Math.max(bw - 1, 0.5)}" height="${(c / top) * plotH}" fill="#4878a8"/>`).join('\n');
  const xt: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const x = M.left + (plotW * k) / 4;
    xt.push(`<line x1="${x}" y1="${H - M.bottom}" x2="${x}" y2="${H - M.bottom + 4}" stroke="black"/><text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(lo + ((hi - lo) * k) / 4)}</text>`);
  }
  return frame(`${title} (n = ${v.length})`, xLabel, 'count', bars, xt.join('\n'), yAxis(top, toY));
}

/** Bar chart of one value per label (negative values below a zero line). */
export function barSvg(labels: readonly string[], values: ArrayLike<number>, title: string, yLabel: string): string {
  const v = Array.from(values);
  const hi = Math.max(0, ...v);
  const lo = Math.min(0, ...v);
  const span = hi - lo || 1;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const toY = (x: number) => M.top + ((hi - x) / span) * plotH;
  const bw = plotW / Math.max(1, v.length);
  const bars = v
    .map((x, k) => {
      const y0 = toY(Math.max(0, x));
      const h = Math.abs(toY(x) - toY(0));
      return `<rect x="${M.left + k * bw + 0.5}" y="${y0}" width="${Math.max(bw - 1, 0.5)}" height="${h}" fill="${x >= 0 ? '#4878a8' : '#c0504d'}"><title>${esc(labels[k])}: ${fmt(x)}</title></rect>`;
    })
    .join('\n');
  const every = Math.max(1, Math.ceil(v.length / 20));
  const xt = labels
    .map((l, k) => (k % every === 0 ? `<text x="${M.left + (k + 0.5) * bw}" y="${H - M.bottom + 14}" text-anchor="end" transform="rotate(-45 ${M.left + (k + 0.5) * bw} ${H - M.bottom + 14})" font-size="9">${esc(l)}</text>` : ''))
    .join('\n');
  const zero = `<line x1="${M.left}" y1="${toY(0)}" x2="${W - M.right}" y2="${toY(0)}" stroke="#888" stroke-dasharray="3,3"/>`;
  return frame(title, '', yLabel, zero + '\n' + bars, xt, yAxis(hi, toY, lo));
}
