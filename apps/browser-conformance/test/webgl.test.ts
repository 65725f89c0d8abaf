// Every registered variant on WebGL 2 (SwiftShader) in headless Chromium: see describe-backend.ts.
import { describeGpuBackend } from './describe-backend.js';

describeGpuBackend('webgl');
