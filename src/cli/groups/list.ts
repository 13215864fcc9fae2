export { registerList as registerGroup } from '../commands/list.js';
