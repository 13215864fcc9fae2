export { registerShow as registerGroup } from '../commands/show.js';
