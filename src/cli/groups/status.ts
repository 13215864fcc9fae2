export { registerStatus as registerGroup } from '../commands/status.js';
