import { defineTostConfig } from '@tost/vitest-config/config';

// One file, one Chromium per backend (each page runs every variant): no parallel forks.
export default defineTostConfig({
  test: { include: ['test/**/*.test.ts'], poolOptions: { forks: { maxForks: 1, minForks: 1 } } },
});
