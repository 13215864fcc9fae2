export { registerDoctor as registerGroup } from '../commands/doctor.js';
