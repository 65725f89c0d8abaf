/** Floor on the running column energy Σ_{i≤t} w² (ToST, arXiv 2412.17810, causal step 1: `max(·, 1e-12)`). */
export const ENERGY_FLOOR = 1e-12;

/** Added to the running membership mass Σ_{i≤t} Π (ToST, arXiv 2412.17810, causal step 3: `+ 1e-8`). */
export const MASS_EPSILON = 1e-8;
