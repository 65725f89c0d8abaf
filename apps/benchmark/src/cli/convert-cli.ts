import { statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ARCHITECTURES, exportStateDict, importStateDict, type Architecture } from '@tost/convert';
import { readCheckpointFile, writeSafetensorsFile } from '@tost/convert/node';
import { fileSystem } from '@tost/backend/node';
import { namingFile, namingFileAsync } from './cli-errors.js';
import { asPositiveInt } from './options.js';
import { addBackendOption, selectBackend } from './backend-option.js';

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
interface ConvertFlags {
  from?: string;
  out?: string;
  to: 'tfjs' | 'safetensors';
  arch: Architecture | 'auto';
  imageSize?: number;
  heads?: number;
  classNorm?: 'all' | 'cls';
  backend?: string;
}

/**
 * `tost-bench convert`: a PyTorch checkpoint (.safetensors, or a torch.save .pth/.pt) → a tfjs layers model directory
 * (model.json + weights.bin), or with `--to safetensors` a converted model directory → a .safetensors file with the
 * official key names of the authors' code.
 */
export function registerConvertCommand(program: Command): Command {
  const command = program
    .command('convert')
    .summary('PyTorch checkpoint → tfjs layers model directory, and back to safetensors')
    .description(
      'Converts a PyTorch checkpoint (.safetensors, or a torch.save .pth/.pt) of ToST vision, ToST-LM, GPT-2 or CRATE ' +
        'into a tfjs layers model directory (model.json + weights.bin); with --to safetensors, a converted model ' +
        "directory back into a .safetensors file with the official key names of the authors' code.",
    )
    .option('--from <path>', 'the checkpoint file, or with --to safetensors the model directory (required)')
    .option(
      '--out <path>',
      'the model directory to write, or with --to safetensors the .safetensors file (required)',
    )
    .addOption(new Option('--to <format>', 'what to write').choices(['tfjs', 'safetensors']).default('tfjs'))
    .addOption(
      new Option('--arch <name>', 'architecture; auto recognises it from the key names')
        .choices(['auto', ...ARCHITECTURES])
        .default('auto'),
    )
    .option(
      '--image-size <n>',
      'ToST vision input side in pixels (default: 224)',
      asPositiveInt('image-size'),
    )
    .option(
      '--heads <n>',
      "heads of a softmax GPT or of CRATE, not stored in their weights (default: the checkpoint's own record — nanoGPT model_args, a config.json beside a .safetensors — else the published presets); an error if the file says otherwise",
      asPositiveInt('heads'),
    )
    .addOption(
      new Option(
        '--class-norm <which>',
        'ToST vision class-attention tokens_norm: all (True) or cls (default: all)',
      ).choices(['all', 'cls']),
    );
  addBackendOption(command);
  return command.action(runConvert);
}

async function runConvert(values: ConvertFlags): Promise<void> {
  if (!values.from)
    throw new Error('convert: --from FILE (or, with --to safetensors, --from MODEL_DIR) is required');
  if (!values.out) throw new Error('convert: --out DIR (or, with --to safetensors, --out FILE) is required');
  const arch = values.arch;
  const tokensNorm = values.classNorm === undefined ? undefined : values.classNorm === 'all';
  await selectBackend(values.backend);
  const start = performance.now();

  if (values.to === 'safetensors') {
    console.log(`loading ${values.from}/model.json …`);
    const from = values.from;
    const model = await namingFileAsync(from, () => tfl.loadLayersModel(fileSystem(from)));
    const { tensors, arch: found, metadata } = exportStateDict(model);
    writeSafetensorsFile(values.out, tensors, metadata);
    console.log(`${found}: wrote ${tensors.size} tensors to ${values.out} (${progress(start)})`);
    model.dispose();
    return;
  }

  const from = values.from;
  const size = namingFile(from, () => statSync(from).size) / MiB;
  console.log(`reading ${from} (${size.toFixed(1)} MiB) …`);
  const stateDict = readCheckpointFile(from);
  const where = stateDict.path ? ` under '${stateDict.path}'` : '';
  console.log(
    `read ${stateDict.tensors.size} tensors (${stateDict.format}${where}` +
      `${stateDict.strippedPrefixes.length ? `, prefixes ${stateDict.strippedPrefixes.join(' ')} removed` : ''}` +
      `${stateDict.skipped.length ? `, ${stateDict.skipped.length} buffers skipped` : ''}) in ${progress(start)}`,
  );
  console.log('building the model and filling its weights …');
  // A checkpoint that does not fit (other keys, a heads count contradicting --heads, …) is named in the error.
  const result = namingFile(from, () =>
    importStateDict(stateDict, {
      arch: arch as Architecture | 'auto',
      imageSize: values.imageSize,
      heads: values.heads,
      tokensNorm,
    }),
  );
  stateDict.tensors.clear();
  console.log(`inferred ${result.summary}`);
  for (const line of result.sources) console.log(`  ${line}`);
  console.log(`parameters: ${result.parameterCount.toLocaleString('en-US')}`);
  const memory = tf.memory();
  await result.model.save(fileSystem(values.out));
  console.log(
    `wrote ${values.out}/model.json + weights.bin in ${progress(start)}; ` +
      `tf.memory ${(memory.numBytes / MiB).toFixed(1)} MiB in ${memory.numTensors} tensors`,
  );
  console.log(
    `load it with tf.loadLayersModel after importing '@tost/models' (it registers every layer and attention)`,
  );
  result.model.dispose();
}
