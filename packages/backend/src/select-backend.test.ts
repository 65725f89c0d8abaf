import { describe, it, expect } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend, type BackendEnvironmentSpec } from './select-backend.js';

const missing = (specifier: string) =>
  Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/dist/index.node.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });

function env(nodeError: Error): BackendEnvironmentSpec {
  return {
    label: 'Node.js',
    autoOrder: ['node', 'cpu'],
    loaders: {
      node: () => Promise.reject(nodeError),
      cpu: () => Promise.resolve(),
    },
    unavailable: () => 'not here',
  };
}

describe('selectBackend: why a faster backend was skipped', () => {
  it('an optional package that is absent is "not installed", without the resolver message', async () => {
    const selection = await selectBackend('auto', env(missing('@tensorflow/tfjs-node')));
    expect(selection.name).toBe('cpu');
    expect(selection.reasonsSkipped).toEqual([
      { name: 'node', reason: '@tensorflow/tfjs-node is not installed (optional)' },
    ]);
  });

  it('an installed package that fails to import (e.g. a missing dependency of its own) keeps the error', async () => {
    const selection = await selectBackend('auto', env(missing('libtensorflow-binding')));
    expect(selection.reasonsSkipped[0]?.reason).toBe(
      "could not import @tensorflow/tfjs-node: Cannot find package 'libtensorflow-binding' imported from /app/dist/index.node.js",
    );
  });
});
