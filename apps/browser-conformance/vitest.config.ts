import { defineTostConfig } from '@tost/vitest-config/config';

// One file and one Chromium per backend (each page runs every variant); the two files run side by side.
export default defineTostConfig({ test: { include: ['test/**/*.test.ts'] } });
