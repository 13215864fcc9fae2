export { registerProbe as registerGroup } from '../commands/probe.js';
