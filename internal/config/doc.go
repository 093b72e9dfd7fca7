// Package config loads tradepipe's YAML config: defaults first, then strict
// decoding (unknown keys are errors), then Validate, which returns every
// problem at once, each with its field path (jobs.census-exports.schedule).
//
// Relative file:// paths in the config are relative to the working
// directory, as they are for every other command-line tool.
package config
