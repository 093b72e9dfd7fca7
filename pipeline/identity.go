package pipeline

// Input identity: a delivery is its source location (URI) plus its
// content. The content record makes the same bytes "unchanged" anywhere;
// the location record lets a corrected file replace exactly the rows of
// the version it corrects, months it no longer covers included.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/pipeline/state"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
)

type inputRecord struct {
	URI        string   `json:"uri"`
	SHA256     string   `json:"sha256"`
	ReleaseID  string   `json:"release_id"`
	Group      string   `json:"group"`
	Partitions []string `json:"partitions"`
	// Content is the content fingerprint of the input's rows per
	// partition (versioned datasets only): a partition still holding that
	// content has the input, even when an earlier input put it there.
	Content     map[string]string `json:"content,omitempty"`
	ProcessedAt time.Time         `json:"processed_at"`
}

func inputKey(job *Job, sha string) string {
	return state.InputKey(job.Name, sha)
}

func (r *Runner) rememberInput(ctx context.Context, job *Job, rel *sources.Release, results []Result, col *collector) error {
	rec := inputRecord{URI: rel.URI, SHA256: rel.SHA256, ReleaseID: rel.ReleaseID, Group: job.groupName(rel), ProcessedAt: r.opts.Now().UTC()}
	for _, res := range results {
		if res.Partition != "" && !strings.HasPrefix(res.Partition, schema.DatasetQuarantine+"/") {
			rec.Partitions = append(rec.Partitions, res.Partition)
		}
	}
	rec.Content = contents(job, col)
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return r.opts.Lake.Put(ctx, inputKey(job, rel.SHA256), bytes.NewReader(b))
}

func (r *Runner) alreadyPublished(ctx context.Context, job *Job, rel *sources.Release) ([]Result, bool) {
	b, err := lake.ReadAll(ctx, r.opts.Lake, inputKey(job, rel.SHA256))
	if err != nil {
		return nil, false
	}
	var rec inputRecord
	if json.Unmarshal(b, &rec) != nil || len(rec.Partitions) == 0 {
		return nil, false
	}
	// The group is the one the content was first published under: the same
	// bytes delivered under another name are the same delivery.
	group := rec.Group
	var out []Result
	for _, p := range rec.Partitions {
		m, err := publish.Load(ctx, r.opts.Lake, p)
		if err != nil || m == nil {
			return nil, false
		}
		res, ok := r.publishedOutcome(ctx, &rec, rel.SHA256, m, m.Group(group))
		if !ok || r.pub.Settle(ctx, m) != nil {
			return nil, false
		}
		month, _ := civil.ParseMonth(m.Period)
		res.Job, res.Partition, res.Month, res.Input, res.InputSHA256 = job.Name, p, month, rel.URI, rel.SHA256
		out = append(out, res)
	}
	return out, true
}

// locationRecord is the version of a delivery last landed from one source
// location: which content, and which data partitions it wrote.
type locationRecord struct {
	URI        string    `json:"uri"`
	SHA256     string    `json:"sha256"`
	Group      string    `json:"group"`
	Partitions []string  `json:"partitions"`
	LandedAt   time.Time `json:"landed_at"`
}

func locationKey(job *Job, uri string) string {
	return state.LocationKey(job.Name, uriHash(uri)[:32])
}

// withdrawDropped removes, for a per-delivery job, the delivery's rows from
// every partition the previous version at the same location wrote and this
// version does not: a corrected file that no longer covers a month leaves
// nothing of the old version there. It returns one result per partition
// withdrawn. The location record is written by rememberLocation once the
// whole release has landed, so a crash before then repeats this step.
func (r *Runner) withdrawDropped(ctx context.Context, rt *releaseTxn, job *Job, rel *sources.Release, results []Result, inputs []publish.Input) []Result {
	prev, err := r.previousLocation(ctx, job, rel)
	if err != nil {
		return []Result{{Job: job.Name, Input: rel.URI, Status: StatusFailed, Err: err}}
	}
	if prev == nil {
		return nil
	}
	now := map[string]bool{}
	for _, res := range results {
		now[res.Partition] = true
	}
	var out []Result
	for _, dir := range prev.Partitions {
		if now[dir] {
			continue
		}
		res := Result{Job: job.Name, Partition: dir, Input: rel.URI, InputSHA256: rel.SHA256, Status: StatusWritten}
		if err := r.withdraw(ctx, rt, job, dir, prev.Group, inputs, rel); err != nil {
			res.Status, res.Err = StatusFailed, err
		}
		if m, err := rt.tx.Load(ctx, dir); err == nil && m != nil {
			res.Month, _ = civil.ParseMonth(m.Period)
		}
		out = append(out, res)
	}
	return out
}

// withdraw commits partition dir without group's files (and clears the
// group's quarantined rows there), under the partition's lease.
func (r *Runner) withdraw(ctx context.Context, rt *releaseTxn, job *Job, dir, group string, inputs []publish.Input, rel *sources.Release) error {
	if err := rt.leases.lock(dir); err != nil {
		return err
	}
	m, err := rt.tx.Load(ctx, dir)
	if err != nil || m == nil {
		return err
	}
	g := m.Group(group)
	if g == nil {
		return nil
	}
	month, _ := civil.ParseMonth(m.Period)
	p := schema.Partition{Dataset: m.Dataset, Path: dir, Month: month}
	if err := r.clearQuarantine(ctx, rt, job, p, group, inputs, rel); err != nil {
		return err
	}
	if len(g.Files) == 0 {
		return nil
	}
	_, err = rt.tx.Publish(ctx, publish.Commit{
		Partition: p,
		Group:     publish.Group{Name: group, Job: job.Name, ReleaseID: rel.ReleaseID, Inputs: inputs},
	})
	return err
}

// previousLocation reads the version last landed from rel's location, for
// a per-delivery job; nil when there is none or the job is versioned (a
// later release does not withdraw a month).
func (r *Runner) previousLocation(ctx context.Context, job *Job, rel *sources.Release) (*locationRecord, error) {
	if !job.PerDelivery {
		return nil, nil
	}
	b, err := lake.ReadAll(ctx, r.opts.Lake, locationKey(job, rel.URI))
	if errors.Is(err, lake.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read delivery record: %w", err)
	}
	var prev locationRecord
	if err := json.Unmarshal(b, &prev); err != nil {
		return nil, fmt.Errorf("read delivery record %s: %w", locationKey(job, rel.URI), err)
	}
	return &prev, nil
}

// rememberLocation records the version now landed from rel's location.
func (r *Runner) rememberLocation(ctx context.Context, job *Job, rel *sources.Release, results []Result) error {
	rec := locationRecord{URI: rel.URI, SHA256: rel.SHA256, Group: job.groupName(rel), LandedAt: r.opts.Now().UTC()}
	for _, res := range results {
		if res.Partition != "" && res.Err == nil && !strings.HasPrefix(res.Partition, schema.DatasetQuarantine+"/") {
			rec.Partitions = append(rec.Partitions, res.Partition)
		}
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return r.opts.Lake.Put(ctx, locationKey(job, rel.URI), bytes.NewReader(b))
}
