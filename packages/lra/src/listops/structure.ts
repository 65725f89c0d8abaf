/**
 * Checks that tokenized ListOps symbols (`tokenizeListOps`: `]` already replaced by X, parentheses dropped) form
 * exactly ONE well-formed expression, the grammar of the LRA generator (Nangia & Bowman 2018, as used by LRA,
 * arXiv:2011.04006 §3.1): `expr := atom | [OP expr+ X`. Any symbol starting with `[` opens an operator (known or
 * not: unknown ones are reported by the encoder), X closes it, anything else is an atom.
 *
 * @returns undefined when well-formed, else a sentence naming the problem and the 1-based token position.
 */
export function listOpsStructureProblem(symbols: readonly string[]): string | undefined {
  const open: { position: number; args: number }[] = [];
  let topLevel = 0;
  for (let i = 0; i < symbols.length; i++) {
    const symbol = symbols[i]!;
    const position = i + 1;
    if (symbol === 'X') {
      const top = open.pop();
      if (!top) return `unbalanced brackets: ']' at token ${position} closes no '['`;
      if (top.args === 0) return `operator at token ${top.position} has no arguments before its ']'`;
      continue;
    }
    // An expression starts here: an atom or an operator.
    if (open.length > 0) open[open.length - 1]!.args++;
    else if (++topLevel > 1) return `more than one expression: a second one starts at token ${position}`;
    if (symbol.startsWith('[')) open.push({ position, args: 0 });
  }
  if (open.length > 0) {
    return `unbalanced brackets: ${open.length} '[' never closed (the last opened at token ${open.at(-1)!.position})`;
  }
  if (topLevel === 0) return 'no expression';
  return undefined;
}
