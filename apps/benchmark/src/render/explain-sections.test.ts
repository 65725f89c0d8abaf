import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExplainSections } from './explain-sections.js';

describe('readExplainSections', () => {
  const root = mkdtempSync(join(tmpdir(), 'explain-sections-'));

  it('reads {title, html} from each directory, in order', () => {
    for (const name of ['a', 'b']) {
      mkdirSync(join(root, name));
      writeFileSync(
        join(root, name, 'section.json'),
        JSON.stringify({ title: `T ${name}`, html: `<p>${name}</p>` }),
      );
    }
    expect(readExplainSections([join(root, 'b'), join(root, 'a')])).toEqual([
      { title: 'T b', html: '<p>b</p>' },
      { title: 'T a', html: '<p>a</p>' },
    ]);
  });

  it('names the file when it is missing, not JSON, or of the wrong shape', () => {
    expect(() => readExplainSections([join(root, 'none')])).toThrow(/none\/section\.json does not exist/);
    mkdirSync(join(root, 'bad'));
    writeFileSync(join(root, 'bad', 'section.json'), '{oops');
    expect(() => readExplainSections([join(root, 'bad')])).toThrow(/bad\/section\.json is not valid JSON/);
    mkdirSync(join(root, 'shape'));
    writeFileSync(join(root, 'shape', 'section.json'), '{"title": 3}');
    expect(() => readExplainSections([join(root, 'shape')])).toThrow(/shape\/section\.json must hold/);
  });
});
