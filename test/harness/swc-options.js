// How jest (jest.config.js) and run-typescript.js compile TypeScript: one file at a time, decorators with their
// metadata as Nest needs them, CommonJS.
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};
