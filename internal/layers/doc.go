// Package layers holds the test that keeps Tugboat's architecture honest:
// data flows one way through the pipeline, the pure stages never pull in a
// CLI or controller framework, and tests that need the local environment
// say so in their file names. It has no code of its own.
package layers
