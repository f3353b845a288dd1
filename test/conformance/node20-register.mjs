// `node --import ./node20-register.mjs <runner>`: see node20-hooks.mjs.
import { register } from 'node:module';

register('./node20-hooks.mjs', import.meta.url);
