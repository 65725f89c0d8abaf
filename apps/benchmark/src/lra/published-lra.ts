import type { LraTaskName } from '@tost/lra';

/** Published LRA accuracies (%) from LRA, arXiv 2011.04006, "Results to compare against". null = FAIL or not reported. */
export const PUBLISHED_LRA: {
  model: string;
  results: Partial<Record<LraTaskName, number | null>>;
  average: number;
}[] = [
  {
    model: 'Transformer (LRA paper)',
    results: { listops: 36.37, text: 64.27, retrieval: 57.46, image: 42.44, pathfinder: 71.4, pathx: null },
    average: 54.39,
  },
  {
    model: 'Performer',
    results: { listops: 18.01, text: 65.4, retrieval: 53.82, image: 42.77, pathfinder: 77.05, pathx: null },
    average: 51.41,
  },
  {
    model: 'Linformer',
    results: { listops: 35.7, text: 53.94, retrieval: 52.27, image: 38.56, pathfinder: 76.34, pathx: null },
    average: 51.36,
  },
  {
    model: 'BigBird',
    results: { listops: 36.05, text: 64.02, retrieval: 59.29, image: 40.83, pathfinder: 74.87, pathx: null },
    average: 55.01,
  },
  {
    model: 'Transformer (ToST paper)',
    results: { listops: 37.11, text: 65.21, retrieval: 79.14, image: 42.94, pathfinder: 71.83 },
    average: 59.24,
  },
  {
    model: 'ToST (TSSA)',
    results: { listops: 37.25, text: 66.75, retrieval: 79.46, image: 46.62, pathfinder: 69.41 },
    average: 59.9,
  },
  {
    model: 'S4',
    results: { listops: 59.6, text: 86.82, retrieval: 90.9, image: 88.65, pathfinder: 94.2, pathx: 96.35 },
    average: 86.09,
  },
  {
    model: 'Mega',
    results: { listops: 63.14, text: 90.43, retrieval: 91.25, image: 90.44, pathfinder: 96.01, pathx: 97.98 },
    average: 88.21,
  },
];
