// `npm run bench [-- --quick] [-- --no-write]`: see bench/main.ts.
require('../scripts/register-ts.cjs');
require('./main.ts');
