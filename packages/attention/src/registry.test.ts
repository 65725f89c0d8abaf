import { describe, it, expect } from 'vitest';
import {
  registerAttention,
  createAttention,
  getAttentionDescriptor,
  listAttentions,
  listAttentionNames,
  isAttentionRegistered,
  noWeightDecayPattern,
} from './registry.js';
import type { AttentionLayer } from './attention-layer.js';
import type { AttentionDescriptor } from './descriptor.js';

const fake = (tag: string, extra: Partial<AttentionDescriptor> = {}): AttentionDescriptor => ({
  factory: (options) => ({ tag, ...options }) as unknown as AttentionLayer,
  description: `fake ${tag}`,
  causal: false,
  complexity: 'linear',
  family: 'test',
  paper: { title: 'A fake', arxiv: '0000.00000' },
  parameterCount: ({ dim }) => dim * dim,
  streaming: false,
  ...extra,
});

describe('attention registry', () => {
  it('creates a registered variant with the given options', () => {
    registerAttention('fake-a', fake('a'));
    expect(isAttentionRegistered('fake-a')).toBe(true);
    expect(createAttention('fake-a', { dim: 4, heads: 1 })).toMatchObject({ tag: 'a', dim: 4 });
    expect(listAttentionNames()).toContain('fake-a');
  });

  it('lists descriptors with name, causal, complexity, family and paper', () => {
    registerAttention('fake-d', fake('d', { causal: true, complexity: 'quadratic', streaming: true }));
    const d = listAttentions().find((x) => x.name === 'fake-d');
    expect(d).toMatchObject({
      name: 'fake-d',
      causal: true,
      complexity: 'quadratic',
      family: 'test',
      streaming: true,
      paper: { title: 'A fake', arxiv: '0000.00000' },
    });
    expect(getAttentionDescriptor('fake-d').description).toBe('fake d');
    expect(d!.parameterCount({ dim: 3, heads: 1 })).toBe(9);
  });

  it('an unknown name lists the registered names', () => {
    registerAttention('fake-b', fake('b'));
    expect(() => createAttention('nope', { dim: 4, heads: 1 })).toThrow(
      /no attention registered as 'nope'; registered: .*fake-a, fake-b/,
    );
    expect(() => getAttentionDescriptor('nope')).toThrow(/import '@tost\/variants'/);
  });

  it('refuses to shadow a name unless asked to replace it', () => {
    registerAttention('fake-c', fake('c1'));
    expect(() => registerAttention('fake-c', fake('c2'))).toThrow(/'fake-c' is already registered/);
    registerAttention('fake-c', fake('c3'), { replace: true });
    expect(createAttention('fake-c', { dim: 1, heads: 1 })).toMatchObject({ tag: 'c3' });
  });

  it('rejects empty names and incomplete descriptors, naming the field', () => {
    expect(() => registerAttention('', fake('x'))).toThrow(/non-empty string/);
    expect(() => registerAttention('x', 42 as never)).toThrow(/'descriptor' must be an object/);
    expect(() => registerAttention('x', { ...fake('x'), factory: 3 as never })).toThrow(/'factory' must be a function/);
    expect(() => registerAttention('x', { ...fake('x'), complexity: 'cubic' as never })).toThrow(
      /'complexity' must be 'linear' or 'quadratic', got cubic/,
    );
    expect(() => registerAttention('x', { ...fake('x'), noWeightDecay: ['('] })).toThrow(/not a regular expression/);
    expect(() =>
      registerAttention('x', { ...fake('x'), options: { dim: { type: 'integer', description: 'd' } } }),
    ).toThrow(/'dim' is a common option/);
  });

  it('lists names sorted', () => {
    const names = listAttentionNames();
    expect(names).toEqual([...names].sort());
  });

  it('checks options against the descriptor: unknown, type, range, required, fixed', () => {
    registerAttention(
      'fake-opts',
      fake('o', {
        options: {
          features: { type: 'integer', greaterThan: 0, description: 'random features', default: 16 },
          maxLength: { type: 'integer', greaterThan: 0, required: true, fromContext: 'maxLength', description: 'L' },
          kernel: { type: 'string', values: ['elu', 'relu'], description: 'feature map' },
        },
        fixedOptions: { causal: true },
      }),
    );
    const make = (o: Record<string, unknown>, ctx = {}) =>
      createAttention('fake-opts' as string, { dim: 4, heads: 1, maxLength: 8, ...o }, ctx);
    expect(make({ features: 4 })).toMatchObject({ features: 4, causal: true, maxLength: 8 });
    expect(() => make({ dropuot: 0.1 })).toThrow(/unknown option 'dropuot' \(given 0.1\); accepted: .*features/);
    expect(() => make({ features: 0 })).toThrow(/option 'features' must be an integer > 0 \(random features\), got 0/);
    expect(() => make({ features: 2.5 })).toThrow(/'features' must be an integer > 0.*got 2.5/);
    expect(() => make({ kernel: 'tanh' })).toThrow(/'kernel' must be one of elu, relu.*got "tanh"/);
    expect(() => make({ causal: false })).toThrow(/'causal' is fixed to true by the name 'fake-opts', got false/);
    expect(make({ causal: true })).toMatchObject({ causal: true });
    expect(() => createAttention('fake-opts' as string, { dim: 4, heads: 1 })).toThrow(
      /option 'maxLength' is required \(L\), got undefined/,
    );
    expect(createAttention('fake-opts' as string, { dim: 4, heads: 1 }, { maxLength: 32 })).toMatchObject({
      maxLength: 32,
    });
    // An explicit value wins over the context.
    expect(make({}, { maxLength: 99 })).toMatchObject({ maxLength: 8 });
  });

  it('unions the no-weight-decay patterns of every descriptor', () => {
    registerAttention('fake-nd', fake('nd', { noWeightDecay: ['temperature$', 'denominator_bias'] }));
    const pattern = noWeightDecayPattern()!;
    expect(pattern.test('block0/attn/temperature')).toBe(true);
    expect(pattern.test('block0/attn/denominator_bias')).toBe(true);
    expect(pattern.test('block0/attn/query_kernel')).toBe(false);
  });
});
