import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { AttentionOptions } from './options.js';
import { ProjectedAttention } from './projected-attention.js';
import { describeAttentionLayer, registerAttentionLayer } from './register-layer.js';
import { createAttention, getAttentionDescriptor } from './registry.js';

const fields = {
  description: 'test layer',
  family: 'test',
  paper: { title: 'A test' },
  parameterCount: () => 0,
};

class FixedLayer extends ProjectedAttention {
  static className = 'FixedLayer';
  static override readonly traits = {
    causal: true,
    complexity: 'quadratic',
    useBias: false,
  } as const;
  protected attendProjected(): tf.Tensor4D {
    throw new Error('not called');
  }
}

class OptionLayer extends ProjectedAttention {
  static className = 'OptionLayer';
  static override readonly traits = {
    causal: 'option',
    complexity: 'linear',
    useBias: true,
  } as const;
  static override optionNames: readonly string[] = ['causal'];
  constructor(options: AttentionOptions & { causal?: boolean }) {
    super(options);
  }
  protected attendProjected(): tf.Tensor4D {
    throw new Error('not called');
  }
  step(): void {}
}

class NoTraits extends ProjectedAttention {
  protected attendProjected(): tf.Tensor4D {
    throw new Error('not called');
  }
}

describe('layer traits', () => {
  it('give causal, complexity and the useBias default; getConfig records causal only when it is an option', () => {
    const fixed = new FixedLayer({ dim: 4, heads: 2 });
    expect([fixed.causal, fixed.complexity, fixed.useBias]).toEqual([true, 'quadratic', false]);
    expect(fixed.getConfig()).not.toHaveProperty('causal');
    const option = new OptionLayer({ dim: 4, heads: 2, causal: true });
    expect([option.causal, option.isCausal, option.complexity, option.useBias]).toEqual([
      true,
      true,
      'linear',
      true,
    ]);
    expect(option.getConfig()).toMatchObject({ causal: true });
    expect(new OptionLayer({ dim: 4, heads: 2 }).getConfig()).toMatchObject({ causal: false });
  });

  it('reject a non-boolean causal option and a class without traits, naming them', () => {
    expect(() => new OptionLayer({ dim: 4, heads: 2, causal: 'yes' as never })).toThrow(
      new TypeError(`OptionLayer: option 'causal' must be a boolean, got yes`),
    );
    expect(() => new NoTraits({ dim: 4, heads: 2 })).toThrow(
      /NoTraits: the class must declare static 'traits'/,
    );
  });
});

describe('describeAttentionLayer', () => {
  it('takes factory, causal, complexity and streaming from a class with fixed causality', () => {
    const d = describeAttentionLayer(FixedLayer, fields);
    expect(d).toMatchObject({ causal: true, complexity: 'quadratic', streaming: false, family: 'test' });
    expect(d).not.toHaveProperty('fixedOptions');
    expect(d.factory({ dim: 4, heads: 2 })).toBeInstanceOf(FixedLayer);
  });

  it('fixes the causal option of a class that takes one, and streams only the causal form of a class with step', () => {
    const causal = describeAttentionLayer(OptionLayer, { ...fields, causal: true });
    expect(causal).toMatchObject({
      causal: true,
      complexity: 'linear',
      streaming: true,
      fixedOptions: { causal: true },
    });
    expect(causal.factory({ dim: 4, heads: 2 }).causal).toBe(true);
    const bidirectional = describeAttentionLayer(OptionLayer, { ...fields, causal: false });
    expect(bidirectional).toMatchObject({ causal: false, streaming: false, fixedOptions: { causal: false } });
    expect(bidirectional.factory({ dim: 4, heads: 2 }).causal).toBe(false);
  });

  it('rejects a missing or contradicting causal and a class without traits', () => {
    expect(() => describeAttentionLayer(OptionLayer, fields)).toThrow(
      /OptionLayer takes a 'causal' option; descriptor 'causal' must say which form, got undefined/,
    );
    expect(() => describeAttentionLayer(FixedLayer, { ...fields, causal: false })).toThrow(
      /FixedLayer is causal; descriptor 'causal' must be true or left out, got false/,
    );
    expect(() => describeAttentionLayer(NoTraits, fields)).toThrow(/NoTraits declares no static 'traits'/);
  });

  it('registers through registerAttention: createAttention builds the layer and checks the fixed option', () => {
    registerAttentionLayer('test-option-causal', OptionLayer, { ...fields, causal: true });
    expect(getAttentionDescriptor('test-option-causal')).toMatchObject({
      name: 'test-option-causal',
      streaming: true,
    });
    expect(createAttention('test-option-causal', { dim: 4, heads: 2 }).causal).toBe(true);
    expect(() => createAttention('test-option-causal', { dim: 4, heads: 2, causal: false } as never)).toThrow(
      /option 'causal' is fixed to true/,
    );
  });
});
