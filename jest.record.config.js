// `npm run record-histories`: runs the scenarios in test/replay/*.recorder.ts against the real dev
// server and saves their histories under test/replay/histories/ for the replay test.
const base = require('./jest.config');
module.exports = { ...base, testMatch: ['**/*.recorder.ts'], maxWorkers: 1 };
