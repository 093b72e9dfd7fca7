// Package pipeline is the engine: it runs a job's inputs through its source
// into partitions of the lake. For each release it archives the raw input
// under raw/, lets the source parse it into canonical and rejected rows,
// spools each partition's rows to local Parquet files, and publishes every
// partition with the publish protocol, skipping partitions whose published
// inputs already have the release's content ("unchanged").
//
// The pipeline knows sources only through sources.Parser and
// sources.Fetcher, and the lake only through lake.Lake.
package pipeline
