import { defineTostConfig } from '@tost/vitest-config/config';

// The end-to-end test drives the built page (dist/) in Chromium: one file, one browser.
export default defineTostConfig({ test: { include: ['test/**/*.test.ts'] } });
