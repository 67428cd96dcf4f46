// The one workflows entry of the Firepond plugin set: every workflow any plugin runs is exported here.
export { pipeline } from './pipeline.ts';
export { stage } from './stage.ts';
