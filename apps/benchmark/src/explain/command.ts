import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { layerwiseCompression, membershipMaps, type MembershipMapsResult } from '@tost/analysis';
import { renderCompressionChart, type CompressionSeries } from './compression-chart.js';
import { compressionTable } from './compression-table.js';
import { explainPage, explainSection } from './explain-html.js';
import { writeInputFigure, writeMembershipFigures, type Figure } from './membership-figures.js';
import type { ExplainSource } from './sources.js';

export type ModelVariant = 'trained' | 'untrained';

export interface ExplainOptions {
  source: ExplainSource;
  /** Which models to analyse, in this order (e.g. ['trained', 'untrained'] to compare). */
  variants: ModelVariant[];
  /** Number of examples. */
  count: number;
  outDir: string;
  /** ε of the MCR² coding rate. */
  eps: number;
  seed: number;
  log?: (line: string) => void;
}

export interface ExplainResult {
  series: CompressionSeries[];
  figures: Figure[];
  /** Files written, relative to outDir. */
  files: string[];
  table: string;
}

/**
 * `tost-bench explain`: per model variant, the per-layer compression terms and the membership maps on the same
 * examples; writes PNG heatmaps/overlays, the compression chart (SVG + PNG), explain.json, an HTML section
 * (section.json {title, html} and explain-section.html) and a standalone index.html into outDir.
 */
export async function runExplain(o: ExplainOptions): Promise<ExplainResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  mkdirSync(o.outDir, { recursive: true });
  const examples = o.source.inputs(o.count, o.seed);
  log(`examples: ${examples.description}`);
  const series: CompressionSeries[] = [];
  const figures: Figure[] = [];
  const notes: string[] = [];
  if (examples.images) figures.push(writeInputFigure(o.outDir, examples.images));
  try {
    for (const variant of o.variants) {
      const model = variant === 'trained' ? await o.source.loadTrained() : await o.source.buildUntrained();
      try {
        log(`[${variant}] ${model.name}: ${model.countParams().toLocaleString('en-US')} parameters`);
        const layers = layerwiseCompression(model, examples.inputs, { eps: o.eps });
        series.push({ model: variant, layers });
        let maps: MembershipMapsResult | undefined;
        try {
          maps = membershipMaps(model, examples.inputs, examples.grid ? { grid: examples.grid } : {});
        } catch (err) {
          notes.push(`${variant}: no membership maps — ${(err as Error).message}`);
        }
        if (maps) figures.push(...writeMembershipFigures(maps, variant, o.outDir, examples.images));
      } finally {
        model.dispose();
      }
    }
  } finally {
    tf.dispose(examples.inputs);
  }
  if (o.variants.includes('untrained')) {
    notes.push(
      'untrained = the same architecture with freshly initialised weights (a new random draw on every run).',
    );
  }
  const table = compressionTable(series, o.eps);
  const chart = await renderCompressionChart(series, o.eps);
  writeFileSync(join(o.outDir, 'compression.svg'), chart.svg);
  writeFileSync(join(o.outDir, 'compression.png'), chart.png);
  writeFileSync(
    join(o.outDir, 'explain.json'),
    `${JSON.stringify({ format: 'tost-explain-1', name: o.source.name, examples: examples.description, eps: o.eps, series }, null, 2)}\n`,
  );
  const section = explainSection({
    name: o.source.name,
    inputsDescription: examples.description,
    table,
    chartSvg: chart.svg,
    figures,
    notes,
    outDir: o.outDir,
  });
  writeFileSync(join(o.outDir, 'section.json'), `${JSON.stringify(section)}\n`);
  writeFileSync(join(o.outDir, 'explain-section.html'), `${section.html}\n`);
  writeFileSync(join(o.outDir, 'index.html'), explainPage(section));
  const files = [
    ...figures.map((f) => f.file),
    'compression.svg',
    'compression.png',
    'explain.json',
    'section.json',
    'explain-section.html',
    'index.html',
  ];
  for (const note of notes) log(`note: ${note}`);
  return { series, figures, files, table };
}
