// Importing the variant packages registers their attentions ('tssa', 'causal-tssa'; '@tost/softmax' adds 'softmax',
// 'softmax-causal', 'mssa'), so every builder's default attention is available after `import '@tost/models'`.
import '@tost/softmax';
import '@tost/tssa';
import '@tost/causal-tssa';
