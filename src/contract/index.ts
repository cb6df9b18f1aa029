/** The data contract: the one module every box imports. See docs/contract.md. */
export * from './errors.ts';
export * from './identifiers.ts';
export * from './storable-text.ts';
export * from './detection.ts';
export * from './status.ts';
export * from './evidence.ts';
export * from './evidence-codec.ts';
export * from './topics.ts';
export * from './decode.ts';
export * from './repair.ts';
export { compile, assertValid } from './validate.ts';
