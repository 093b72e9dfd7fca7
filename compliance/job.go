package compliance

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/parquetfile"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// Job computes the metrics from a lake's committed state; as a
// pipeline.Deriver the engine runs it and commits what it computes.
type Job struct {
	Name     string // job name, recorded in manifests
	Lake     lake.Lake
	Bases    []reference.Basis // the bases Derive reports
	Options  Options           // what Derive computes
	SpoolDir string            // local directory for Parquet files before upload; "" is the system temp dir
	Logger   *slog.Logger
	// OnReport, when set, receives each report Derive computes (the CLI
	// prints the last one after run --once).
	OnReport func(*Report)
}

// NewJob returns a job over l; a nil logger discards.
func NewJob(name string, l lake.Lake, spoolDir string, logger *slog.Logger) *Job {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Job{Name: name, Lake: l, SpoolDir: spoolDir, Logger: logger}
}

// Compute reads the bases' trade_flows and computes the report. ctx bounds
// the lake reads. Errors are those of ReadSeries and Compute.
func (j *Job) Compute(ctx context.Context, bs []reference.Basis, o Options) (*Report, []*Series, error) {
	var series []*Series
	for _, b := range bs {
		s, err := ReadSeries(ctx, j.Lake, b)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", b, err)
		}
		series = append(series, s)
	}
	rep, err := Compute(series, o)
	if err != nil {
		return nil, nil, err
	}
	return rep, series, nil
}

// Derive implements pipeline.Deriver: the report over the job's bases
// and options, one partition per basis and year, each as one Parquet file
// under spool, with the trade_flows files read as its inputs and the
// report's notes as warnings. The engine commits them. ctx bounds the lake
// reads.
func (j *Job) Derive(ctx context.Context, spool string) ([]pipeline.Derived, error) {
	rep, series, err := j.Compute(ctx, j.Bases, j.Options)
	if err != nil {
		return nil, err
	}
	if j.OnReport != nil {
		j.OnReport(rep)
	}
	for _, n := range rep.Notes {
		j.Logger.Warn("compliance note", "job", j.Name, "note", n)
	}
	return j.Files(rep, series, spool)
}

// Files writes the report's rows as the compliance dataset's partitions,
// one per basis and year, under spool.
func (j *Job) Files(rep *Report, series []*Series, spool string) ([]pipeline.Derived, error) {
	type key struct {
		basis string
		year  int
	}
	groups := map[key][]schema.Compliance{}
	var keys []key
	for _, r := range rep.Rows {
		k := key{r.Basis, r.Period.Year}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.basis != b.basis {
			if a.basis < b.basis {
				return -1
			}
			return 1
		}
		return a.year - b.year
	})
	inputs := map[string][]publish.Input{}
	for _, s := range series {
		inputs[string(s.Basis)] = s.Inputs
	}
	var out []pipeline.Derived
	for _, k := range keys {
		p := schema.CompliancePartition(k.basis, k.year)
		f, err := writeRows(spool, groups[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, pipeline.Derived{Partition: p, File: f, Inputs: inputs[k.basis], Warnings: rep.Notes})
	}
	return out, nil
}

func writeRows(spool string, rows []schema.Compliance) (publish.LocalFile, error) {
	w, err := parquetfile.Create[schema.ComplianceRecord](spool)
	if err != nil {
		return publish.LocalFile{}, err
	}
	for i := range rows {
		rec, err := rows[i].Record()
		if err != nil {
			w.Abort()
			return publish.LocalFile{}, fmt.Errorf("%s %s %s: %w", rows[i].Basis, rows[i].Period, rows[i].Category, err)
		}
		if err := w.Write(rec); err != nil {
			w.Abort()
			return publish.LocalFile{}, err
		}
	}
	f, err := w.Close()
	if err != nil {
		return publish.LocalFile{}, err
	}
	return publish.LocalFile{Name: "part-00000.parquet", Path: f.Path, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256}, nil
}
