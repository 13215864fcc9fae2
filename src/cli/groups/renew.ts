export { registerRenew as registerGroup } from '../commands/renew.js';
