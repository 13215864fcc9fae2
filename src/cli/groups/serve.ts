export { registerServe as registerGroup } from '../commands/serve.js';
