export { registerCompletion as registerGroup } from '../commands/completion.js';
