import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { testBackends } from '@tost/vitest-config';
import { importStateDict, readCheckpoint } from './index.js';
import { fixtureBytes, fixtureIO, nchwToNhwc, relativeError } from './test-helpers.js';

const worst: Record<string, number> = {};

for (const backend of testBackends()) {
  describe(`PyTorch fixtures on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend as 'wasm' | 'cpu');
    });
    afterAll(() => {
      console.log(`worst relative error on ${backend}:`, JSON.stringify(worst));
    });

    for (const format of ['pth', 'safetensors'] as const) {
      it(`tost-vision from .${format} matches PyTorch`, () => {
        const io = fixtureIO('tost-vision');
        const result = importStateDict(readCheckpoint(fixtureBytes(`tost-vision.${format}`)), {
          imageSize: io.config.image_size as number,
        });
        expect(result.arch).toBe('tost-vision');
        const input = io.tensors.get('input_nchw')!;
        const x = tf.tensor4d(nchwToNhwc(input.data as Float32Array, input.shape), [2, 32, 32, 3]);
        const y = result.model.predict(x) as tf.Tensor;
        const err = relativeError(y.dataSync(), io.tensors.get('output')!.data as Float32Array);
        worst[`tost-vision/${backend}`] = Math.max(worst[`tost-vision/${backend}`] ?? 0, err);
        expect(err).toBeLessThan(1e-4);
        tf.dispose([x, y]);
        result.model.dispose();
      });
    }
  });
}
