import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ARCHITECTURES, exportStateDict, importStateDict, type Architecture } from '@tost/convert';
import { readCheckpointFile, writeSafetensorsFile } from '@tost/convert/node';
import { modelDirectory } from '../model-io.js';
import { positiveInt, selectBackend } from './options.js';

const MiB = 1024 * 1024;

/** Wall time since `start` and the process's peak resident memory so far (getrusage maxrss). */
function progress(start: number): string {
  const seconds = ((performance.now() - start) / 1000).toFixed(2);
  const peakRss = (process.resourceUsage().maxRSS * 1024) / MiB;
  return `${seconds} s, peak RSS ${peakRss.toFixed(0)} MiB`;
}

/**
 * `tost-bench convert`: a PyTorch checkpoint (.safetensors, or a torch.save .pth/.pt) → a tfjs layers model directory
 * (model.json + weights.bin), or with `--to safetensors` a converted model directory → a .safetensors file with the
 * official key names of the authors' code.
 */
export async function convertCli(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      out: { type: 'string' },
      to: { type: 'string' },
      arch: { type: 'string' },
      'image-size': { type: 'string' },
      heads: { type: 'string' },
      'class-norm': { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (!values.from)
    throw new Error('convert: --from FILE (or, with --to safetensors, --from MODEL_DIR) is required');
  if (!values.out) throw new Error('convert: --out DIR (or, with --to safetensors, --out FILE) is required');
  if (values.to !== undefined && values.to !== 'safetensors' && values.to !== 'tfjs') {
    throw new Error(`convert: --to must be safetensors or tfjs (the default), got '${values.to}'`);
  }
  const arch = values.arch ?? 'auto';
  if (arch !== 'auto' && !(ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new Error(`convert: --arch must be auto or one of ${ARCHITECTURES.join(', ')}, got '${arch}'`);
  }
  const tokensNorm = values['class-norm'] === undefined ? undefined : values['class-norm'] === 'all';
  if (values['class-norm'] !== undefined && !['all', 'cls'].includes(values['class-norm'])) {
    throw new Error(
      `convert: --class-norm must be all (tokens_norm=True) or cls, got '${values['class-norm']}'`,
    );
  }
  await selectBackend(values.backend);
  const start = performance.now();

  if (values.to === 'safetensors') {
    console.log(`loading ${values.from}/model.json …`);
    const model = await tfl.loadLayersModel(modelDirectory(values.from));
    const { tensors, arch: found, metadata } = exportStateDict(model);
    writeSafetensorsFile(values.out, tensors, metadata);
    console.log(`${found}: wrote ${tensors.size} tensors to ${values.out} (${progress(start)})`);
    model.dispose();
    return;
  }

  const size = statSync(values.from).size / MiB;
  console.log(`reading ${values.from} (${size.toFixed(1)} MiB) …`);
  const stateDict = readCheckpointFile(values.from);
  const where = stateDict.path ? ` under '${stateDict.path}'` : '';
  console.log(
    `read ${stateDict.tensors.size} tensors (${stateDict.format}${where}` +
      `${stateDict.strippedPrefixes.length ? `, prefixes ${stateDict.strippedPrefixes.join(' ')} removed` : ''}` +
      `${stateDict.skipped.length ? `, ${stateDict.skipped.length} buffers skipped` : ''}) in ${progress(start)}`,
  );
  console.log('building the model and filling its weights …');
  const result = importStateDict(stateDict, {
    arch: arch as Architecture | 'auto',
    imageSize: positiveInt(values['image-size'], 'image-size'),
    heads: positiveInt(values.heads, 'heads'),
    tokensNorm,
  });
  stateDict.tensors.clear();
  console.log(`inferred ${result.summary}`);
  console.log(`parameters: ${result.parameterCount.toLocaleString('en-US')}`);
  const memory = tf.memory();
  await result.model.save(modelDirectory(values.out));
  console.log(
    `wrote ${values.out}/model.json + weights.bin in ${progress(start)}; ` +
      `tf.memory ${(memory.numBytes / MiB).toFixed(1)} MiB in ${memory.numTensors} tensors`,
  );
  console.log(
    `load it with tf.loadLayersModel after importing '@tost/models' (it registers every layer and attention)`,
  );
  result.model.dispose();
}
