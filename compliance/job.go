package compliance

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/parquetfile"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// Job computes the metrics from a lake and publishes them to it.
type Job struct {
	Name     string // job name, recorded in manifests
	Lake     lake.Lake
	SpoolDir string // local directory for Parquet files before upload; "" is the system temp dir
	Logger   *slog.Logger
	Now      func() time.Time // stamps manifests; nil is time.Now
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

// Written is the outcome of publishing one compliance partition.
type Written struct {
	Partition schema.Partition
	Rows      int64
	// Unchanged: the published file already had exactly these bytes, so
	// nothing was written.
	Unchanged bool
}

// Publish writes the report's rows as the compliance dataset, one
// partition per basis and year, through the publish protocol; each
// manifest lists the trade_flows files read as its inputs. A partition
// whose new file is byte-identical to the published one is left alone.
// ctx bounds the lake calls. It returns the partitions handled; on error,
// partitions already written stay (each is complete), the failing one
// keeps its previous version.
func (j *Job) Publish(ctx context.Context, rep *Report, series []*Series) ([]Written, error) {
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
	pub := &publish.Publisher{Lake: j.Lake, Now: j.Now}
	var done []Written
	for _, k := range keys {
		p := schema.CompliancePartition(k.basis, k.year)
		unchanged, err := j.publishPartition(ctx, pub, p, groups[k], inputs[k.basis], rep)
		if err != nil {
			return done, fmt.Errorf("publish %s: %w", p, err)
		}
		status := "written"
		if unchanged {
			status = "unchanged"
		}
		j.Logger.Info("partition", "job", j.Name, "partition", p.Path, "status", status, "rows", len(groups[k]))
		done = append(done, Written{Partition: p, Rows: int64(len(groups[k])), Unchanged: unchanged})
	}
	return done, nil
}

func (j *Job) publishPartition(ctx context.Context, pub *publish.Publisher, p schema.Partition, rows []schema.Compliance, inputs []publish.Input, rep *Report) (unchanged bool, err error) {
	w, err := parquetfile.Create[schema.ComplianceRecord](j.SpoolDir)
	if err != nil {
		return false, err
	}
	for i := range rows {
		rec, err := rows[i].Record()
		if err != nil {
			w.Abort()
			return false, fmt.Errorf("%s %s %s: %w", rows[i].Basis, rows[i].Period, rows[i].Category, err)
		}
		if err := w.Write(rec); err != nil {
			w.Abort()
			return false, err
		}
	}
	f, err := w.Close()
	if err != nil {
		return false, err
	}
	defer func() { _ = os.Remove(f.Path) }()
	old, err := publish.Load(ctx, j.Lake, p.Path)
	if err != nil {
		return false, err
	}
	if g := old.Group("part-00000"); g != nil && len(g.Files) == 1 && g.Files[0].SHA256 == f.SHA256 {
		if _, err := j.Lake.Stat(ctx, p.Path+"/"+publish.SuccessName); err == nil {
			return true, nil
		}
	}
	_, err = pub.Publish(ctx, publish.Commit{
		Partition: p,
		Group: publish.Group{
			Name: "part-00000", Job: j.Name, Inputs: inputs, Rows: f.Rows,
			Warnings: rep.Notes,
		},
		Local: []publish.LocalFile{{Name: "part-00000.parquet", Path: f.Path, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256}},
	})
	return false, err
}
