import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import { describeRegisteredConformance, describeOnBackends, realRows } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose } from '@tost/vitest-config';
import { golden } from './golden.js';
import { AgentAttention, agentAttention, agentSegment } from './index.js';

describeRegisteredConformance('agent', {
  causal: false,
  golden,
  options: { agents: 3 },
  descriptor: {
    complexity: 'linear',
    family: 'agent',
    paper: { arxiv: '2312.08874' },
    options: { agents: { type: 'integer', default: 64 } },
  },
});

/** Float64 agent attention of one head straight from the definition (q, k, v: [seq][p]; real: [seq] of 0/1). */
function agentHeadReference(
  q: number[][],
  k: number[][],
  v: number[][],
  real: number[],
  agents: number,
): number[][] {
  const seq = q.length;
  const p = q[0]!.length;
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / Math.sqrt(p);
  const softmaxMix = (scores: number[], allowed: boolean[], rows: number[][]): number[] => {
    const top = Math.max(...scores.filter((_, j) => allowed[j]));
    const w = scores.map((s, j) => (allowed[j] ? Math.exp(s - top) : 0));
    const total = w.reduce((a, b) => a + b, 0);
    return [...Array(p)].map((_, c) =>
      total ? rows.reduce((s, r, j) => s + (w[j]! / total) * r[c]!, 0) : 0,
    );
  };
  const pooled: number[][] = [];
  const live: boolean[] = [];
  for (let s = 0; s < agents; s++) {
    const [start, end] = agentSegment(s, seq, agents);
    const members = [...Array(end - start)].map((_, i) => start + i).filter((i) => real[i] === 1);
    live.push(members.length > 0);
    pooled.push(
      [...Array(p)].map((_, c) => members.reduce((a, i) => a + q[i]![c]!, 0) / Math.max(members.length, 1)),
    );
  }
  const keyAllowed = real.map((r) => r === 1);
  const agentValues = pooled.map((a) =>
    softmaxMix(
      k.map((kj) => dot(a, kj)),
      keyAllowed,
      v,
    ),
  );
  return q.map((qi) =>
    softmaxMix(
      pooled.map((a) => dot(qi, a)),
      live,
      agentValues,
    ),
  );
}

describeOnBackends('Agent Attention', () => {
  it('gives a dead agent to a segment without real tokens and matches a float64 reference (incl. n_a > seq)', () => {
    tf.tidy(() => {
      const [batch, heads, seq, p] = [2, 2, 9, 3];
      const q = tf.randomNormal([batch, heads, seq, p], 0, 1, 'float32', 1) as tf.Tensor4D;
      const k = tf.randomNormal([batch, heads, seq, p], 0, 1, 'float32', 2) as tf.Tensor4D;
      const v = tf.randomNormal([batch, heads, seq, p], 0, 1, 'float32', 3) as tf.Tensor4D;
      // Sample 0: tokens 3–5 padded, so with 3 agents the middle segment [3, 6) is dead.
      const maskRows = [
        [1, 1, 1, 0, 0, 0, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 0, 0],
      ];
      const mask = tf.tensor2d(maskRows);
      for (const agents of [3, 4, 12]) {
        const { y, live } = agentAttention(q, k, v, agents, mask);
        if (agents === 3) expect(Array.from(live.dataSync())).toEqual([1, 0, 1, 1, 1, 1]);
        const [qa, ka, va, ya] = [q, k, v, y].map((t) => t.arraySync() as number[][][][]);
        for (let b = 0; b < batch; b++) {
          for (let h = 0; h < heads; h++) {
            const expected = agentHeadReference(qa[b]![h]!, ka[b]![h]!, va[b]![h]!, maskRows[b]!, agents);
            const rows = (m: number[][]) => realRows(m, [seq, p], maskRows[b]);
            expectClose(rows(ya[b]![h]!), rows(expected), {
              rtol: 1e-4,
              atol: 1e-5,
              label: `agents ${agents}, sample ${b}, head ${h}`,
            });
          }
        }
      }
    });
  });
});

describe('Agent Attention options and registration', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('pools by adaptive-average-pooling segments', () => {
    expect([0, 1, 2].map((s) => agentSegment(s, 7, 3))).toEqual([
      [0, 3],
      [2, 5],
      [4, 7],
    ]);
    expect([0, 1, 2, 3].map((s) => agentSegment(s, 2, 4))).toEqual([
      [0, 1],
      [0, 1],
      [1, 2],
      [1, 2],
    ]);
  });

  it('counts its parameters with 5 agents; agents defaults to 64 and reaches getConfig', () => {
    const d = getAttentionDescriptor('agent');
    const layer = createAttention('agent', { dim: 12, heads: 3, useBias: false, agents: 5 });
    layer.build([null, null, 12]);
    expect(d.parameterCount({ dim: 12, heads: 3, useBias: false, agents: 5 })).toBe(layer.countParams());
    expect((createAttention('agent', { dim: 8, heads: 2 }) as AgentAttention).agents).toBe(64);
    expect(new AgentAttention({ dim: 8, heads: 2, agents: 7 }).getConfig()).toMatchObject({ agents: 7 });
  });

  it('rejects a bad agents option, naming it', () => {
    for (const bad of [0, -2, 2.5, Number.NaN]) {
      expect(() => new AgentAttention({ dim: 8, heads: 2, agents: bad })).toThrow(
        new RegExp(`'agents' must be a positive integer.*got ${bad}`),
      );
    }
    expect(() => createAttention('agent', { dim: 8, heads: 2, agents: 0 })).toThrow(
      /option 'agents' must be an integer > 0/,
    );
  });
});
