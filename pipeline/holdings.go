package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// Held returns the rows and quarantined rows the lake holds for job in the
// given partitions (as the ledger and results name them): the rows of the
// job's groups in each data partition's committed manifest, and the rows
// of the job's groups in the quarantine partitions that go with them,
// including the dataset's undated one (rows whose month could not be
// read). The run summary, status, the API and /metrics count rows this one
// way, so they agree for the same lake whether the last run wrote the rows
// or found them unchanged. ctx bounds the reads; a partition named twice
// counts once.
func Held(ctx context.Context, l lake.Lake, job string, partitions []string) (rows, quarantined int64, err error) {
	seen := map[string]bool{}
	add := func(p string, into *int64) error {
		if p == "" || seen[p] {
			return nil
		}
		seen[p] = true
		m, err := publish.Load(ctx, l, p)
		if err != nil {
			return fmt.Errorf("partition %s: %w", p, err)
		}
		if m == nil {
			return nil // never committed (a failed first run, no rejects)
		}
		for _, g := range m.Groups {
			if g.Job == job {
				*into += g.Rows
			}
		}
		return nil
	}
	for _, p := range partitions {
		if strings.HasPrefix(p, schema.DatasetQuarantine+"/") {
			err = add(p, &quarantined)
		} else {
			err = add(p, &rows)
			if err == nil {
				err = add(schema.QuarantineOf(schema.Partition{Path: p}).Path, &quarantined)
			}
			if dataset, rest, ok := strings.Cut(p, "/"); ok && err == nil && strings.HasPrefix(rest, "source=") {
				source, _, _ := strings.Cut(strings.TrimPrefix(rest, "source="), "/")
				err = add(schema.QuarantinePartition(dataset, source, civil.Month{}).Path, &quarantined)
			}
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return rows, quarantined, nil
}

// Recorded reports whether the ledger records result r under its month:
// every result but the undated quarantine partition's (rejected rows whose
// month could not be read), which Held counts with the data partitions.
func Recorded(r Result) bool {
	return !(r.Month.IsZero() && strings.HasPrefix(r.Partition, schema.DatasetQuarantine+"/"))
}
