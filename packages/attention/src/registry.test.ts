import { describe, it, expect } from 'vitest';
import { registerAttention, createAttention, listAttentions, isAttentionRegistered } from './registry.js';
import type { AttentionLayer } from './attention-layer.js';

const fake = (tag: string) => (options: { dim: number }) =>
  ({ tag, ...options }) as unknown as AttentionLayer;

describe('attention registry', () => {
  it('creates a registered variant with the given options', () => {
    registerAttention('fake-a', fake('a'));
    expect(isAttentionRegistered('fake-a')).toBe(true);
    expect(createAttention('fake-a', { dim: 4, heads: 1 })).toMatchObject({ tag: 'a', dim: 4 });
    expect(listAttentions()).toContain('fake-a');
  });

  it('an unknown name lists the registered names', () => {
    registerAttention('fake-b', fake('b'));
    expect(() => createAttention('nope', { dim: 4, heads: 1 })).toThrow(
      /no attention registered as 'nope'; registered: .*fake-a, fake-b/,
    );
  });

  it('refuses to shadow a name unless asked to replace it', () => {
    registerAttention('fake-c', fake('c1'));
    expect(() => registerAttention('fake-c', fake('c2'))).toThrow(/'fake-c' is already registered/);
    registerAttention('fake-c', fake('c3'), { replace: true });
    expect(createAttention('fake-c', { dim: 1, heads: 1 })).toMatchObject({ tag: 'c3' });
  });

  it('rejects empty names and non-function factories', () => {
    expect(() => registerAttention('', fake('x'))).toThrow(/non-empty string/);
    expect(() => registerAttention('x', 42 as never)).toThrow(/must be a function/);
  });

  it('lists names sorted', () => {
    const names = listAttentions();
    expect(names).toEqual([...names].sort());
  });
});
