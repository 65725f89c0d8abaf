// @tost/backend/node: Node.js-only helpers (they use node:fs); the main entry stays browser-safe.
export { fileSystem, registerFileSystemScheme } from './file-system.js';
