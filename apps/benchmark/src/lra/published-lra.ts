import type { LraTaskName } from '@tost/lra';

/** A published accuracy (%): null = FAIL (the paper's word), undefined = not reported. */
type Score = number | null | undefined;

/** The paper's table layout: model, ListOps, Text, Retrieval, Image, Pathfinder, Path-X, average. */
type PublishedRow = [model: string, ...scores: [Score, Score, Score, Score, Score, Score], average: number];
const COLUMNS: readonly LraTaskName[] = ['listops', 'text', 'retrieval', 'image', 'pathfinder', 'pathx'];

const ROWS: PublishedRow[] = [
  ['Transformer (LRA paper)', 36.37, 64.27, 57.46, 42.44, 71.4, null, 54.39],
  ['Performer', 18.01, 65.4, 53.82, 42.77, 77.05, null, 51.41],
  ['Linformer', 35.7, 53.94, 52.27, 38.56, 76.34, null, 51.36],
  ['BigBird', 36.05, 64.02, 59.29, 40.83, 74.87, null, 55.01],
  ['Transformer (ToST paper)', 37.11, 65.21, 79.14, 42.94, 71.83, undefined, 59.24],
  ['ToST (TSSA)', 37.25, 66.75, 79.46, 46.62, 69.41, undefined, 59.9],
  ['S4', 59.6, 86.82, 90.9, 88.65, 94.2, 96.35, 86.09],
  ['Mega', 63.14, 90.43, 91.25, 90.44, 96.01, 97.98, 88.21],
];

/**
 * Published LRA accuracies (%) from LRA, arXiv 2011.04006, "Results to compare against" (the ToST rows: ToST,
 * arXiv 2412.17810, LRA table). `results` holds the reported tasks only; null = FAIL.
 */
export const PUBLISHED_LRA: {
  model: string;
  results: Partial<Record<LraTaskName, number | null>>;
  average: number;
}[] = ROWS.map(([model, ...rest]) => ({
  model,
  results: Object.fromEntries(
    COLUMNS.flatMap((task, i) => (rest[i] === undefined ? [] : [[task, rest[i]]])),
  ) as Partial<Record<LraTaskName, number | null>>,
  average: rest[6] as number,
}));
