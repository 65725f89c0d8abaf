import {
  Chart,
  LineController,
  LineElement,
  PointElement,
  LogarithmicScale,
  Legend,
  Title,
  Tooltip,
} from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LogarithmicScale, Legend, Title, Tooltip);

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** A log-log line chart of one measured quantity per variant against sequence length, updated point by point. */
export class ScalingChart {
  private readonly chart: Chart<'line', { x: number; y: number }[]>;

  /** `lengths`: the x ticks (every length the page offers). */
  constructor(canvas: HTMLCanvasElement, title: string, yLabel: string, lengths: readonly number[]) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
        scales: {
          x: {
            type: 'logarithmic',
            min: lengths[0]! / 1.25,
            max: lengths[lengths.length - 1]! * 1.25,
            title: { display: true, text: 'sequence length (tokens)' },
            afterBuildTicks: (axis) => {
              axis.ticks = lengths.map((value) => ({ value }));
            },
            ticks: {
              callback: (value) => (Number(value) >= 1024 ? `${Number(value) / 1024}k` : String(value)),
            },
          },
          y: { type: 'logarithmic', title: { display: true, text: yLabel } },
        },
      },
    });
  }

  /** Removes every series. */
  clear(): void {
    this.chart.data.datasets = [];
    this.chart.update();
  }

  /** Appends the point (length, value) to `variant`'s series, creating the series on first use. */
  add(variant: string, length: number, value: number): void {
    let series = this.chart.data.datasets.find((d) => d.label === variant);
    if (!series) {
      const colour = COLOURS[this.chart.data.datasets.length % COLOURS.length]!;
      series = { label: variant, data: [], borderColor: colour, backgroundColor: colour };
      this.chart.data.datasets.push(series);
    }
    series.data.push({ x: length, y: value });
    this.chart.update();
  }
}
