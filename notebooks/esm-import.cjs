// tslab compiles notebook cells to CommonJS, where `import()` of an ES module with top-level await (vega,
// vega-lite, hence dist/plot) is not available; a dynamic import from a real .cjs file is.
module.exports = (specifier) => import(specifier);
