/**
 * Test helpers for attention variants. A separate entry point (`@tost/attention/testing`) so the runtime package
 * never imports vitest.
 */
export { describeAttentionConformance, type ConformanceOptions } from './conformance.js';
