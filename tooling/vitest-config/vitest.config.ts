import { defineTostConfig } from './src/config.js';

export default defineTostConfig();
