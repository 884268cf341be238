/** Tests run TypeScript through swc (TypeScript 7 has no JS compiler API for ts-jest); `npm test` type-checks with tsc first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  testTimeout: 30000,
  // Compat apps bring their own node_modules (another OTel line): not ours to crawl.
  modulePathIgnorePatterns: ['<rootDir>/test/compat/.*/node_modules'],
  watchPathIgnorePatterns: ['<rootDir>/test/compat/.*/node_modules'],
};
