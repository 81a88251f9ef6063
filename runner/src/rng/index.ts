export { deriveSeed, deriveUint32 } from './derive.ts';
export { Rng, RngFactory } from './stream.ts';
