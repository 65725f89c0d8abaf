import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import type { AttentionLayer } from '../attention-layer.js';
import type { AttentionOptions } from '../options.js';
import { createAttention, getAttentionDescriptor, listAttentionNames } from '../registry.js';
import { canPrefill, isStreamingAttention, type StreamingAttention } from '../streaming.js';
import type { GoldenLoader, GoldenSpec } from './golden.js';
import { goldenCaseTests } from './golden-tests.js';
import { expectPrefillMatchesSteps } from './prefill-check.js';
import { disposeStepped, stepThrough } from './step-through.js';
import { referenceTests, type ReferenceCheck, type ReferenceForward } from './reference-check.js';
import { reloadThroughMemory } from './reload-model.js';

export interface ConformanceOptions {
  /** The variant is causal: outputs at t must not depend on tokens after t. */
  causal: boolean;
  /** Backends to run on (default: TOST_TEST_BACKENDS or wasm,cpu). */
  backends?: string[];
  /** Width and heads of the layers under test (defaults 8 and 2). */
  dim?: number;
  heads?: number;
  /** Sequence length of the test inputs (default 6). */
  seq?: number;
  /** Tolerance for "unchanged" outputs (float32 noise). */
  atol?: number;
  /** The layer implements `StreamingAttention` (initState/step/disposeState); checked against the full forward. */
  streaming?: boolean;
  /**
   * The variant's float64 golden cases (declared in the package's `src/golden.ts`): one test per case, outputs at
   * real tokens within a relative error of 1e-4 (see `GoldenSpec`). The layers come from the factory with the
   * case's options (`dim`, `heads`, `spec.options(case)`).
   */
  golden?: GoldenSpec;
  /** Reads a golden file (default: the vendored copies in `@tost/vitest-config/golden`). */
  goldenLoader?: GoldenLoader;
  /**
   * An independent reference forward pass (e.g. the quadratic form of a linear attention): values and gradients of
   * the layer on a padded batch of 300 tokens must equal it (see `ReferenceCheck`).
   */
  reference?: ReferenceForward | ReferenceCheck;
  /**
   * The registry name the layer is registered under, with the options it requires (e.g. `maxLength`): its descriptor
   * must agree with the layer (causal, streaming, complexity, class) and count its trainable parameters. With
   * `descriptor`, the descriptor must also match these fields (`toMatchObject`: e.g. complexity, family, paper, option
   * defaults); with `noWeightDecay`, its weight-decay exclusions must select exactly these weights (names without the
   * layer's scope, in `getWeights()` order).
   */
  registered?: string | RegisteredExpectations;
  /** Checks that gradients stay finite with leading, inner, trailing padding and a padding-only sample (default true). */
  paddedGradients?: boolean;
}

/** What the registry must say about a registered variant (see `ConformanceOptions.registered`). */
export interface RegisteredExpectations {
  name: string;
  options?: Record<string, unknown>;
  descriptor?: Record<string, unknown>;
  noWeightDecay?: readonly string[];
}

type Factory = (options: AttentionOptions) => AttentionLayer;

/** Deterministic pseudo-random tensor (tf.randomNormal with a seed), so failures reproduce. */
function randn(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** Randomises every weight (some variants initialise biases or temperatures to constants that hide bugs). */
function randomizeWeights(layer: AttentionLayer, seed: number): void {
  const values = layer.getWeights().map((w, i) => tf.tidy(() => tf.mul(randn(w.shape, seed + i), 0.5)));
  layer.setWeights(values);
  tf.dispose(values);
}

function run(layer: AttentionLayer, x: tf.Tensor, kwargs: Record<string, unknown> = {}): tf.Tensor {
  return layer.apply(x, kwargs) as tf.Tensor;
}

/**
 * How much adding 1 to token `changed` of x [1, seq, dim] moves the output at token `observed`: max |Δy|.
 */
function influence(layer: AttentionLayer, x: tf.Tensor, changed: number, observed: number): number {
  return tf.tidy(() => {
    const [, seq, dim] = x.shape as [number, number, number];
    const bump = tf.tensor3d(
      Array.from({ length: seq }, (_, t) => (t === changed ? 1 : 0)),
      [1, seq, 1],
    );
    const at = (t: tf.Tensor) => tf.slice(t, [0, observed, 0], [1, 1, dim]);
    const change = tf.sub(at(run(layer, x)), at(run(layer, tf.add(x, bump))));
    return tf.max(tf.abs(change)).dataSync()[0]!;
  });
}

/**
 * Registers vitest suites that every attention variant must pass (see the @tost/attention README).
 * Call it from the variant's own test file: `describeAttentionConformance('tssa', (o) => new TSSA(o), {causal: false})`.
 */
export function describeAttentionConformance(
  name: string,
  factory: Factory,
  options: ConformanceOptions,
): void {
  const dim = options.dim ?? 8;
  const heads = options.heads ?? 2;
  const seq = options.seq ?? 6;
  const atol = options.atol ?? 1e-5;
  const backends = options.backends ?? testBackends();

  const make = (extra: Partial<AttentionOptions> = {}): AttentionLayer => {
    const layer = factory({ dim, heads, ...extra });
    layer.build([null, null, dim]);
    randomizeWeights(layer, 7);
    return layer;
  };

  for (const backend of backends) {
    describe(`${name} conformance on ${backend}`, () => {
      beforeAll(async () => {
        await initBackend(backend);
      });

      if (options.golden) goldenCaseTests(factory, options.golden, options.goldenLoader);
      if (options.reference) referenceTests(factory, options.reference);
      if (options.registered) registryTests(factory, options, dim, heads);

      it('declares its kind: causal flag and complexity', () => {
        const layer = make();
        expect(layer.causal).toBe(options.causal);
        expect(['linear', 'quadratic']).toContain(layer.complexity);
        expect(layer.dim).toBe(dim);
        expect(layer.heads).toBe(heads);
        expect(layer.headDim).toBe(dim / heads);
      });

      it('preserves the input shape [batch, seq, dim]', () => {
        const layer = make();
        tf.tidy(() => {
          for (const [b, n] of [
            [1, 1],
            [2, seq],
            [3, 2 * seq + 1],
          ] as const) {
            const y = run(layer, randn([b, n, dim], b * 10 + n));
            expect(y.shape).toEqual([b, n, dim]);
            expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
          }
          expect(layer.computeOutputShape([null, 17, dim])).toEqual([null, 17, dim]);
        });
      });

      it('is deterministic at inference and treats samples of a batch independently', () => {
        const layer = make();
        tf.tidy(() => {
          const x = randn([3, seq, dim], 1);
          const y = run(layer, x);
          expectClose(y.dataSync(), run(layer, x).dataSync(), { atol: 0, rtol: 0, label: 'repeat call' });
          for (let b = 0; b < 3; b++) {
            const alone = run(layer, tf.slice(x, [b, 0, 0], [1, seq, dim]));
            expectClose(alone.dataSync(), tf.slice(y, [b, 0, 0], [1, seq, dim]).dataSync(), {
              atol,
              rtol: 1e-4,
              label: `sample ${b} alone vs in the batch`,
            });
          }
        });
      });

      it('mixes information across tokens (it is attention, not a token-wise map)', () => {
        // Change the FIRST token: every layer, causal or not, must let it influence the last output.
        const layer = make();
        const change = tf.tidy(() => influence(layer, randn([1, seq, dim], 2), 0, seq - 1));
        expect(change).toBeGreaterThan(1e-4);
      });

      it('ignores padded tokens: changing them leaves the outputs at real tokens unchanged', () => {
        const layer = make();
        tf.tidy(() => {
          const x = randn([2, seq, dim], 3);
          // Sample 0: last two tokens padded; sample 1: no padding.
          const maskValues = [...Array(seq)].map((_, i) => (i < seq - 2 ? 1 : 0)).concat(Array(seq).fill(1));
          const mask = tf.tensor2d(maskValues, [2, seq]);
          const y = run(layer, x, { mask });
          const noise = tf.mul(randn([2, seq, dim], 4), tf.reshape(tf.sub(1, mask), [2, seq, 1]));
          const y2 = run(layer, tf.add(x, tf.mul(noise, 10)), { mask });
          const realTokens = tf.reshape(mask, [2, seq, 1]);
          expectClose(tf.mul(y2, realTokens).dataSync(), tf.mul(y, realTokens).dataSync(), {
            atol,
            rtol: 1e-4,
            label: 'outputs at real tokens after changing padded ones',
          });
          // An all-ones mask is the same as no mask; a bool mask works like a float one.
          expectClose(run(layer, x, { mask: tf.ones([2, seq]) }).dataSync(), run(layer, x).dataSync(), {
            atol,
            rtol: 1e-4,
            label: 'all-ones mask vs no mask',
          });
          expectClose(run(layer, x, { mask: tf.cast(mask, 'bool') }).dataSync(), y.dataSync(), {
            atol: 0,
            rtol: 0,
            label: 'bool mask vs float mask',
          });
          // The mask may also come as a second input, as a functional model passes it.
          expectClose((layer.apply([x, mask]) as tf.Tensor).dataSync(), y.dataSync(), {
            atol: 0,
            rtol: 0,
            label: 'apply([x, mask]) vs apply(x, {mask})',
          });
        });
      });

      it('keeps masks exact: NaN or ±Infinity at a padded token never reaches a real token', () => {
        const layer = make();
        tf.tidy(() => {
          const x = randn([2, seq, dim], 31);
          // Sample 0: token 1 padded; sample 1: the last token padded.
          const maskValues = [...Array(2 * seq)].map((_, i) => (i === 1 || i === 2 * seq - 1 ? 0 : 1));
          const mask = tf.tensor2d(maskValues, [2, seq]);
          const y = run(layer, x, { mask });
          for (const poison of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30]) {
            const padded = tf.reshape(tf.sub(1, mask), [2, seq, 1]);
            const poisoned = tf.where(
              tf.cast(tf.broadcastTo(padded, [2, seq, dim]), 'bool'),
              tf.fill([2, seq, dim], poison),
              x,
            );
            const y2 = run(layer, poisoned, { mask }).dataSync();
            const y1 = y.dataSync();
            for (let i = 0; i < y1.length; i++) {
              const token = Math.floor(i / dim);
              if (maskValues[token] === 0) continue;
              expect(Number.isFinite(y2[i]!), `output ${i} finite with ${poison} at padded tokens`).toBe(
                true,
              );
              expect(
                Math.abs(y2[i]! - y1[i]!),
                `output ${i} with ${poison} at padded tokens`,
              ).toBeLessThanOrEqual(atol + 1e-4 * Math.abs(y1[i]!));
            }
          }
        });
      });

      it('rejects mask values other than 0 and 1, naming the mask', () => {
        const layer = make();
        tf.tidy(() => {
          const x = randn([1, seq, dim], 32);
          for (const bad of [0.5, 2, -1, Number.NaN]) {
            const mask = tf.tensor2d([[1, bad, ...Array(seq - 2).fill(1)]]);
            expect(() => run(layer, x, { mask }), `mask value ${bad}`).toThrow(
              new RegExp(`'mask' must hold only 0 \\(padding\\) and 1 \\(token\\), got ${bad}`),
            );
          }
        });
      });

      it('maps an empty batch or an empty sequence to an empty output', () => {
        const layer = make();
        tf.tidy(() => {
          expect(run(layer, tf.zeros([0, seq, dim])).shape).toEqual([0, seq, dim]);
          expect(run(layer, tf.zeros([2, 0, dim])).shape).toEqual([2, 0, dim]);
          expect(run(layer, tf.zeros([2, 0, dim]), { mask: tf.zeros([2, 0]) }).shape).toEqual([2, 0, dim]);
        });
      });

      it('rejects unknown options (typos) with an error naming the option', () => {
        expect(() => factory({ dim, heads, dropuot: 0.1 } as unknown as AttentionOptions)).toThrow(
          /unknown option 'dropuot'/,
        );
      });

      if (options.causal) {
        it('is causal: changing tokens after t leaves outputs up to t unchanged', () => {
          const layer = make();
          tf.tidy(() => {
            const x = randn([2, seq, dim], 5);
            const y = run(layer, x);
            for (const t of [0, Math.floor(seq / 2), seq - 2]) {
              const future = seq - t - 1;
              const x2 = tf.concat(
                [tf.slice(x, [0, 0, 0], [2, t + 1, dim]), randn([2, future, dim], 6 + t)],
                1,
              );
              const y2 = run(layer, x2);
              expectClose(
                tf.slice(y2, [0, 0, 0], [2, t + 1, dim]).dataSync(),
                tf.slice(y, [0, 0, 0], [2, t + 1, dim]).dataSync(),
                {
                  atol,
                  rtol: 1e-4,
                  label: `outputs ≤ ${t} after changing tokens > ${t}`,
                },
              );
            }
          });
        });

        it('is causal for any value: NaN, Infinity or huge future tokens leave earlier outputs unchanged', () => {
          const layer = make();
          tf.tidy(() => {
            const x = randn([1, seq, dim], 33);
            const y = run(layer, x);
            const t = Math.floor(seq / 2);
            for (const poison of [Number.NaN, Number.POSITIVE_INFINITY, 1e12, -1e12, 3e38, -3e38]) {
              const x2 = tf.concat(
                [tf.slice(x, [0, 0, 0], [1, t + 1, dim]), tf.fill([1, seq - t - 1, dim], poison)],
                1,
              );
              const y2 = tf.slice(run(layer, x2), [0, 0, 0], [1, t + 1, dim]).dataSync();
              expect(
                Array.from(y2).every(Number.isFinite),
                `outputs ≤ ${t} finite with ${poison} after`,
              ).toBe(true);
              expectClose(y2, tf.slice(y, [0, 0, 0], [1, t + 1, dim]).dataSync(), {
                atol,
                rtol: 1e-4,
                label: `outputs ≤ ${t} with ${poison} in later tokens`,
              });
            }
          });
        });

        if (options.streaming) {
          it('streams: step over t tokens equals the full causal forward, and checks its arguments', () => {
            const layer = make() as unknown as AttentionLayer & StreamingAttention;
            expect(isStreamingAttention(layer), 'implements initState/step/disposeState').toBe(true);
            const x = randn([2, seq, dim], 34);
            const full = run(layer, x);
            const start = layer.initState(2);
            const stepped = stepThrough(layer, start, x, 0, seq, layer.getClassName());
            const state = stepped.states[seq - 1];
            const outputs = stepped.outputs;
            const streamed = tf.stack(outputs, 1);
            expectClose(streamed.dataSync(), full.dataSync(), {
              atol: 1e-4,
              rtol: 1e-4,
              label: 'step vs full',
            });
            expect(() => layer.step(state, tf.zeros([3, dim]))).toThrow(
              /'xt' must have shape \[batch, dim\] = \[2/,
            );
            expect(() => layer.initState(0)).toThrow(/'batch' must be a positive integer, got 0/);
            layer.disposeState(start);
            disposeStepped(layer, stepped);
            tf.dispose([x, full, streamed]);
          });

          // Layers with `prefill` (a method: known without building, so no backend is needed here).
          const prefills = canPrefill(factory({ dim, heads }) as unknown as StreamingAttention);
          if (prefills) {
            it('prefill (from a fresh or a stepped state, inside a tidy, of no token) equals step', () => {
              const layer = make() as unknown as AttentionLayer & StreamingAttention;
              // At least 4 tokens: a prefix of 2 or more (the check prefills its tail from a stepped state) and a rest.
              const n = Math.max(seq, 4);
              const x = randn([2, n, dim], 35) as tf.Tensor3D;
              expectPrefillMatchesSteps(layer, x, Math.floor(n / 2));
              x.dispose();
            });
          }

          it('step rejects a state from another batch size or head count, naming it', () => {
            const layer = make() as unknown as AttentionLayer & StreamingAttention;
            const state = layer.initState(3);
            const xt = tf.zeros([2, dim]);
            expect(() => layer.step(state, xt)).toThrow(
              /'xt' must have shape \[batch, dim\] = \[3, .*state.*got \[2,/,
            );
            const otherHeads = heads === 1 ? 2 : 1;
            const other = make({ heads: otherHeads }) as unknown as AttentionLayer & StreamingAttention;
            const otherState = other.initState(2);
            expect(() => layer.step(otherState, xt)).toThrow(
              /'state\.\w+' must have shape \[.*heads.*\] = \[.*\], got \[/,
            );
            layer.disposeState(state);
            other.disposeState(otherState);
            xt.dispose();
          });
        }
      } else {
        it('is not causal: a later token influences earlier outputs', () => {
          const layer = make();
          const change = tf.tidy(() => influence(layer, randn([1, seq, dim], 5), seq - 1, 0));
          expect(change).toBeGreaterThan(1e-4);
        });
      }

      it('passes gradients to the input and to every trainable weight', () => {
        const layer = make({ dropout: 0 });
        tf.tidy(() => {
          const x = randn([2, seq, dim], 8);
          const probe = randn([2, seq, dim], 9);
          const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          expect(vars.length).toBeGreaterThan(0);
          const { value, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(run(layer, x), probe)) as tf.Scalar,
            vars,
          );
          expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
          for (const w of layer.trainableWeights) {
            const g = grads[(w.read() as tf.Variable).name];
            expect(g, `gradient of ${w.name}`).toBeDefined();
            const values = g!.dataSync();
            expect(Array.from(values).every(Number.isFinite), `gradient of ${w.name} is finite`).toBe(true);
            expect(
              Math.max(...Array.from(values, Math.abs)),
              `gradient of ${w.name} is non-zero`,
            ).toBeGreaterThan(0);
          }
          const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(run(layer, input), probe)))(x);
          expect(Math.max(...Array.from(dx.dataSync(), Math.abs))).toBeGreaterThan(0);
        });
      });

      if (options.paddedGradients ?? true) {
        it('keeps gradients finite with padded tokens first, inside or last, and with a sample of padding only', () => {
          const layer = make();
          tf.tidy(() => {
            const x = randn([2, seq, dim], 14);
            const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
            for (const padded of [(i: number) => i === 0 || i === 3, (i: number) => i >= seq - 2]) {
              const maskValues = [...Array(seq)]
                .map((_, i) => (padded(i) ? 0 : 1))
                .concat(Array(seq).fill(0));
              const mask = tf.tensor2d(maskValues, [2, seq]);
              const { grads } = tf.variableGrads(() => tf.sum(run(layer, x, { mask })) as tf.Scalar, vars);
              for (const [name, g] of Object.entries(grads)) {
                const finite = Array.from(g.dataSync()).every(Number.isFinite);
                expect(finite, `gradient of ${name}, mask ${maskValues.join('')}`).toBe(true);
              }
            }
          });
        });
      }

      it('applies dropout only in training', () => {
        const layer = make({ dropout: 0.5 });
        tf.tidy(() => {
          const x = randn([2, seq, dim], 10);
          const inference = run(layer, x).dataSync();
          expectClose(run(layer, x, { training: false }).dataSync(), inference, {
            atol: 0,
            rtol: 0,
            label: 'training=false',
          });
          const trained = run(layer, x, { training: true }).dataSync();
          expect(Array.from(trained).some((v, i) => Math.abs(v - inference[i]!) > 1e-6)).toBe(true);
        });
      });

      it('round-trips through getConfig/fromConfig with identical outputs', () => {
        const layer = make({ dropout: 0.25 });
        const config = layer.getConfig();
        expect(config).toMatchObject({ dim, heads, dropout: 0.25 });
        const cls = layer.constructor as unknown as tf.serialization.SerializableConstructor<AttentionLayer>;
        const copy = cls.fromConfig(cls, config) as AttentionLayer;
        copy.build([null, null, dim]);
        const weights = layer.getWeights();
        copy.setWeights(weights);
        expect(copy.getConfig()).toEqual(config);
        tf.tidy(() => {
          const x = randn([2, seq, dim], 11);
          expectClose(run(copy, x).dataSync(), run(layer, x).dataSync(), {
            atol: 0,
            rtol: 0,
            label: 'fromConfig copy',
          });
        });
      });

      it('round-trips through model.save and tf.loadLayersModel with identical outputs', async () => {
        // Built through the symbolic apply (as in any model), so weight names carry the layer's name scope.
        const layer = factory({ dim, heads });
        const x = tfl.input({ shape: [seq, dim] });
        const m = tfl.input({ shape: [seq] });
        const model = tfl.model({ inputs: [x, m], outputs: layer.apply([x, m]) as tfl.SymbolicTensor });
        randomizeWeights(layer, 7);
        const loaded = await reloadThroughMemory(model);
        const input = randn([2, seq, dim], 12);
        const mask = tf.tensor2d(
          [...Array(2 * seq)].map((_, i) => (i === seq - 1 ? 0 : 1)),
          [2, seq],
        );
        const expected = model.predict([input, mask]) as tf.Tensor;
        const actual = loaded.predict([input, mask]) as tf.Tensor;
        expectClose(actual.dataSync(), expected.dataSync(), {
          atol: 0,
          rtol: 0,
          label: 'loaded model output',
        });
        tf.dispose([input, mask, expected, actual]);
        model.dispose();
        loaded.dispose();
      });

      it('rejects bad options with errors that name the option', () => {
        expect(() => factory({ dim: 0, heads }), 'dim 0').toThrow(/'dim' must be a positive integer, got 0/);
        expect(() => factory({ dim: 7.5, heads: 1 }), 'dim 7.5').toThrow(/'dim' must be a positive integer/);
        expect(() => factory({ dim, heads: -1 }), 'heads -1').toThrow(
          /'heads' must be a positive integer, got -1/,
        );
        expect(() => factory({ dim: 10, heads: 4 }), 'heads 4, dim 10').toThrow(
          /'heads' \(4\) must divide 'dim' \(10\)/,
        );
        expect(() => factory({ dim, heads, dropout: 1 }), 'dropout 1').toThrow(
          /'dropout' must be a number in \[0, 1\), got 1/,
        );
        expect(() => factory({ dim, heads, dropout: Number.NaN }), 'dropout NaN').toThrow(/'dropout'.*NaN/);
      });

      it('rejects bad inputs with errors that name the layer, the argument and the shapes', () => {
        const layer = make();
        const name = layer.name;
        tf.tidy(() => {
          expect(() => run(layer, randn([seq, dim], 1))).toThrow(
            new RegExp(`'${name}'.*'inputs' must have rank 3.*\\[${seq}, ${dim}\\]`),
          );
          expect(() => run(layer, randn([1, seq, dim + 1], 1))).toThrow(
            new RegExp(`'${name}'.*'inputs' last axis must equal dim = ${dim}`),
          );
          expect(() => run(layer, randn([2, seq, dim], 1), { mask: tf.ones([2, seq + 1]) })).toThrow(
            new RegExp(`'mask' must have shape \\[batch, seq\\] = \\[2, ${seq}\\].*got \\[2, ${seq + 1}\\]`),
          );
        });
      });

      it('leaks no tensors in forward, masked forward and backward passes', async () => {
        const layer = make();
        const x = randn([2, seq, dim], 13);
        const mask = tf.tensor2d(
          [...Array(2 * seq)].map((_, i) => (i % seq < seq - 1 ? 1 : 0)),
          [2, seq],
        );
        // Warm-up call: kernels and backend caches are created once and are not leaks.
        run(layer, x).dispose();
        await expectNoLeakedTensors(() => run(layer, x).dispose(), 'forward');
        await expectNoLeakedTensors(() => run(layer, x, { mask }).dispose(), 'masked forward');
        await expectNoLeakedTensors(() => run(layer, x, { training: true }).dispose(), 'training forward');
        await expectNoLeakedTensors(() => {
          const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          const { value, grads } = tf.variableGrads(() => tf.sum(run(layer, x, { mask })) as tf.Scalar, vars);
          tf.dispose([value, ...Object.values(grads)]);
        }, 'backward');
        tf.dispose([x, mask]);
      });
    });
  }
}

/** Its registry descriptor agrees with the layer, at the kit's width and at dim 12, heads 3, with and without biases. */
function registryTests(factory: Factory, options: ConformanceOptions, dim: number, heads: number): void {
  const registered: RegisteredExpectations =
    typeof options.registered === 'string' ? { name: options.registered } : options.registered!;
  it(`agrees with its registry descriptor '${registered.name}': flags, class and parameter count`, () => {
    expect(listAttentionNames()).toContain(registered.name);
    const descriptor = getAttentionDescriptor(registered.name);
    expect(descriptor).toMatchObject({ causal: options.causal, streaming: options.streaming ?? false });
    expect(descriptor.family, 'family').not.toBe('');
    expect(descriptor.paper.title, 'paper title').not.toBe('');
    for (const [width, count] of [
      [dim, heads],
      [12, 3],
    ] as const) {
      for (const useBias of [undefined, false]) {
        const layerOptions = {
          dim: width,
          heads: count,
          ...registered.options,
          ...(useBias === false && { useBias }),
        };
        const layer = createAttention(registered.name, layerOptions as AttentionOptions);
        expect(layer.constructor, 'class of createAttention vs the factory').toBe(
          factory(layerOptions).constructor,
        );
        expect([layer.causal, layer.complexity]).toEqual([descriptor.causal, descriptor.complexity]);
        layer.build([null, null, width]);
        const trainable = layer.trainableWeights.reduce(
          (n, w) => n + w.shape.reduce<number>((a, c) => a * c!, 1),
          0,
        );
        expect(descriptor.parameterCount(layerOptions), JSON.stringify(layerOptions)).toBe(trainable);
        layer.weights.forEach((w) => w.dispose());
      }
    }
  });
  const { descriptor: fields, noWeightDecay } = registered;
  if (fields || noWeightDecay) {
    it(`its registry descriptor '${registered.name}' declares ${[
      ...Object.keys(fields ?? {}),
      ...(noWeightDecay ? [`no weight decay for ${noWeightDecay.join(', ')}`] : []),
    ].join(', ')}`, () => {
      const descriptor = getAttentionDescriptor(registered.name);
      if (fields) expect(descriptor).toMatchObject(fields);
      if (noWeightDecay) {
        const layer = createAttention(registered.name, {
          dim,
          heads,
          ...registered.options,
        } as AttentionOptions);
        layer.build([null, null, dim]);
        const patterns = (descriptor.noWeightDecay ?? []).map((p) => new RegExp(p));
        const excluded = layer.weights.filter((w) => patterns.some((p) => p.test(w.originalName)));
        expect(
          excluded.map((w) => w.originalName.split('/').pop()),
          'weights excluded from weight decay',
        ).toEqual([...noWeightDecay]);
        layer.weights.forEach((w) => w.dispose());
      }
    });
  }
}
