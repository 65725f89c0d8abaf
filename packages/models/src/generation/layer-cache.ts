/**
 * Get-or-create by name. Wiring the same graph twice with one cache applies the SAME layers (shared weights) to two
 * inputs — how the dual encoder shares its encoder without nesting a model inside a model.
 */
export class LayerCache {
  private readonly layers = new Map<string, unknown>();

  get<T>(name: string, create: () => T): T {
    if (!this.layers.has(name)) this.layers.set(name, create());
    return this.layers.get(name) as T;
  }
}
