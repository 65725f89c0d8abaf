/** Tokens per chunk of the causal prefix softmax: [b, b] blocks inside a chunk, a carried summary across chunks. */
export const AAREN_CHUNK_SIZE = 64;

/**
 * The score of "no token": a finite stand-in for −∞ (the running max before the first real token, padded keys).
 * Finite so that NO_SCORE − NO_SCORE = 0 instead of NaN; exp(NO_SCORE − s) is 0 for any real score s.
 */
export const NO_SCORE = -1e30;
