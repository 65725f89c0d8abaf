// Importing the barrel registers every built-in attention variant, so every builder's attention option accepts any
// name of `listAttentions()` after `import '@tost/models'`.
import '@tost/variants';
