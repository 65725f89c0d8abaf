import { defineTostConfig } from '@tost/vitest-config/config';

export default defineTostConfig();
