// Training progress on stderr: a live bar on a terminal, a line every few episodes otherwise (CI, logs).
import cliProgress from 'cli-progress';
import type { EpisodeMetrics } from '../deqn/trainer.ts';
import { formatNumber } from '../io/tables.ts';

/** Worst mean and max |residual| over families: the fresh-state check when there is one, else the minibatches. */
function worstErrors(m: EpisodeMetrics): { mean: number; max: number } {
  const stats = Object.values(m.check?.families ?? m.families);
  return { mean: Math.max(...stats.map((s) => s.mean)), max: Math.max(...stats.map((s) => s.max)) };
}

export class TrainingProgress {
  private readonly bar?: cliProgress.SingleBar;
  private readonly every: number;
  private readonly started = Date.now();
  private readonly firstEpisode: number;

  constructor(
    private readonly total: number,
    start: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.firstEpisode = start;
    this.every = Math.max(1, Math.round(total / 20));
    if (out.isTTY && !process.env.CI) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: out,
          format: 'episode {value}/{total} |{bar}| loss {loss} | mean {mean} max {max} | {rate} states/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, start, { loss: '-', mean: '-', max: '-', rate: '-' });
    }
  }

  update(m: EpisodeMetrics): void {
    const { mean, max } = worstErrors(m);
    const fields = { loss: formatNumber(m.loss, 3), mean: formatNumber(mean, 3), max: formatNumber(max, 3), rate: Math.round(m.statesPerSecond) };
    if (this.bar) {
      this.bar.update(m.episode, fields);
      return;
    }
    if (m.episode % this.every === 0 || m.episode === this.total) {
      const done = m.episode - this.firstEpisode;
      const elapsed = (Date.now() - this.started) / 1000;
      const eta = done > 0 ? ((this.total - m.episode) * elapsed) / done : NaN;
      this.out.write(
        `episode ${m.episode}/${this.total}  loss ${fields.loss}  mean ${fields.mean}  max ${fields.max}  ${fields.rate} states/s  elapsed ${elapsed.toFixed(1)} s  ETA ${Number.isFinite(eta) ? eta.toFixed(0) + ' s' : '-'}\n`,
      );
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}
