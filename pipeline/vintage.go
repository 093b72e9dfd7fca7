package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
)

// Vintages. Official statistics are revised: Census revises the previous
// month every month and three years each June; GACC corrects until the
// yearbook. For datasets a release replaces whole (trade_flows,
// trade_totals) the pipeline therefore
//   - compares content, not bytes: a partition whose rows (without
//     provenance) equal the published ones is unchanged, so a revised
//     multi-month release re-publishes only the months it changed;
//   - lets the newest vintage win: an input older than the published one
//     (by release_id, which sorts by time) does not replace it;
//   - keeps every vintage it writes, and every older one it refuses, under
//     <dataset>_history/<same partition path>/<release_id>.parquet, with a
//     manifest per partition listing them all.

// HistorySuffix turns a dataset name into its history dataset's name.
const HistorySuffix = "_history"

// versioned reports whether job's writes to p follow the vintage rules:
// datasets written whole per partition. Delivery datasets (shipments)
// accumulate instead.
func versioned(job *Job, p schema.Partition) bool {
	if job.PerDelivery {
		return false
	}
	return p.Dataset == schema.DatasetTradeFlows || p.Dataset == schema.DatasetTradeTotals
}

// HistoryPartition is the history partition of a trade_flows or
// trade_totals partition: the same path under <dataset>_history.
func HistoryPartition(p schema.Partition) schema.Partition {
	return schema.Partition{
		Dataset: p.Dataset + HistorySuffix,
		Path:    p.Dataset + HistorySuffix + strings.TrimPrefix(p.Path, p.Dataset),
		Month:   p.Month,
	}
}

var releaseTimeRE = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z`)

// olderRelease reports whether release incoming is strictly older than
// published. Only the time part counts: two vintages stamped the same
// second (files dropped together) are not ordered, and the later arrival
// wins as before. IDs not in the sources.ReleaseID form are never older.
func olderRelease(incoming, published string) bool {
	a, b := releaseTimeRE.FindString(incoming), releaseTimeRE.FindString(published)
	return a != "" && b != "" && a < b
}

// contentOf is the fingerprint recorded for d, or "" when the partition
// is not versioned or has none.
func contentOf(job *Job, d *dataPart) string {
	if !versioned(job, d.p) {
		return ""
	}
	return d.content.hex()
}

// checkVintage decides, before anything is written, whether rel must not
// replace the published group cur of d's partition: StatusSuperseded when
// a newer vintage is published (rel's rows then go to history only),
// StatusUnchanged when the content is the same. "" means publish.
func (r *Runner) checkVintage(ctx context.Context, rt *releaseTxn, job *Job, rel *sources.Release, d *dataPart, old *publish.Manifest, cur *publish.Group, inputs []publish.Input) (Status, error) {
	if cur == nil || !versioned(job, d.p) {
		return "", nil
	}
	if olderRelease(rel.ReleaseID, cur.ReleaseID) {
		local, err := closeSpool(d)
		if local != nil {
			defer d.dropSpool()
		}
		if err != nil {
			return StatusFailed, err
		}
		if err := r.publishHistory(ctx, rt, job, rel, d, local, inputs, cur); err != nil {
			return StatusFailed, err
		}
		r.logger.Info("older vintage kept in history only", "job", job.Name, "partition", d.p.Path,
			"release_id", rel.ReleaseID, "published_release_id", cur.ReleaseID)
		return StatusSuperseded, nil
	}
	same, err := sameContent(job, d, cur.ContentSHA256)
	if err != nil {
		return StatusFailed, err
	}
	if same && old.SchemaVersion == schema.Version {
		if err := rt.tx.Settle(ctx, old); err != nil {
			return StatusFailed, err
		}
		return StatusUnchanged, nil
	}
	return "", nil
}

// sameContent says d's rows have the content of the published digest
// published. A version-1 digest (a partition published before version 2)
// is compared with the version-1 digest of d's rows, computed from its
// spool file, so an upgrade republishes nothing that did not change. That
// reads the month's rows back once each time it is fetched unchanged,
// until a changed release republishes it with a version-2 digest.
func sameContent(job *Job, d *dataPart, published string) (bool, error) {
	c := contentOf(job, d)
	switch {
	case c == "" || published == "":
		return false, nil
	case c == published:
		return true, nil
	case !isV1Content(published) || isV1Content(c):
		return false, nil
	}
	v1, err := legacyContent(d)
	if err != nil || v1 == "" || v1 != published {
		return false, err
	}
	d.matchedV1 = v1
	return true, nil
}

// legacyContent is the version-1 digest of d's rows: their trade flows
// read back from d's spool file, in batches, and the rest as d.content
// summed them.
func legacyContent(d *dataPart) (string, error) {
	f, err := closeSpool(d)
	if err != nil || f == nil {
		return "", err
	}
	pf, err := os.Open(f.Path)
	if err != nil {
		return "", fmt.Errorf("read back %s: %w", d.p.Path, err)
	}
	defer pf.Close()
	file, err := parquet.OpenFile(pf, f.Bytes)
	if err != nil {
		return "", fmt.Errorf("read back %s: %w", d.p.Path, err)
	}
	rd := parquet.NewGenericReader[schema.TradeFlowRecord](file)
	defer rd.Close()
	var flows flowSumV1
	rows := make([]schema.TradeFlowRecord, 1024)
	for {
		n, err := rd.Read(rows)
		for i := range rows[:n] {
			flows.add(&rows[i])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read back %s: %w", d.p.Path, err)
		}
	}
	return d.content.withFlowsV1(&flows), nil
}

// closeSpool finishes d's spool file; nil when d has no rows (only
// rejected ones). A second call returns the same file.
func closeSpool(d *dataPart) (*publish.LocalFile, error) {
	if d.closed != nil || d.w == nil {
		return d.closed, nil
	}
	f, err := d.w.Close()
	d.w = nil
	if err != nil {
		return nil, err
	}
	d.closed = &publish.LocalFile{Path: f.Path, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256}
	return d.closed, nil
}

// publishHistory adds rel's vintage of d's partition to the history
// dataset, unless it is there already. local may be nil: a vintage whose
// rows were all rejected is still listed, with no file. The history is
// written before the current partition, so once the current manifest
// names the input, its history entry exists (a crash in between is
// finished by the next run). cur is the partition's published group, or
// nil; when the history lacks it (a partition published before history
// was kept) it is copied there first, so no vintage is lost by the
// upgrade.
func (r *Runner) publishHistory(ctx context.Context, rt *releaseTxn, job *Job, rel *sources.Release, d *dataPart, local *publish.LocalFile, inputs []publish.Input, cur *publish.Group) error {
	if !versioned(job, d.p) {
		return nil
	}
	if rel.ReleaseID == "" {
		return errors.New("history: the release has no release_id")
	}
	hp := HistoryPartition(d.p)
	if err := rt.leases.lock(hp.Path); err != nil {
		return err
	}
	old, err := rt.tx.Load(ctx, hp.Path)
	if err != nil {
		return err
	}
	if err := r.seedHistory(ctx, rt, job, d.p, old, cur); err != nil {
		return err
	}
	if old, err = rt.tx.Load(ctx, hp.Path); err != nil {
		return err
	}
	if g := old.Group(rel.ReleaseID); g != nil && publish.SameInputs(g.Inputs, inputs) {
		return rt.tx.Settle(ctx, old)
	}
	var files []publish.LocalFile
	if local != nil {
		f := *local
		f.Name = rel.ReleaseID + ".parquet"
		files = append(files, f)
	}
	_, err = rt.tx.Publish(ctx, publish.Commit{
		Partition: hp,
		Group: publish.Group{
			Name: rel.ReleaseID, Job: job.Name, ReleaseID: rel.ReleaseID, Inputs: inputs,
			ContentSHA256: contentOf(job, d), Partners: partnersOf(job), QuarantinedRows: d.quarantined,
		},
		Local: files,
	})
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

// inHistory returns the history entry of release id in partition p, if
// it lists the input sha.
func (r *Runner) inHistory(ctx context.Context, p schema.Partition, id, sha string) *publish.Group {
	m, err := publish.Load(ctx, r.opts.Lake, HistoryPartition(p).Path)
	if err != nil {
		return nil
	}
	g := m.Group(id)
	if g == nil || !publish.SameInputs(g.Inputs, []publish.Input{{SHA256: sha}}) {
		return nil
	}
	return g
}

// seedHistory copies the published group cur of partition p into the
// history hist, unless it is there or cannot be named.
func (r *Runner) seedHistory(ctx context.Context, rt *releaseTxn, job *Job, p schema.Partition, hist *publish.Manifest, cur *publish.Group) error {
	if cur == nil || cur.ReleaseID == "" || len(cur.Files) == 0 || hist.Group(cur.ReleaseID) != nil {
		return nil
	}
	var files []publish.LocalFile
	for i, f := range cur.Files {
		tmp, err := r.download(ctx, path.Join(p.Path, f.Name))
		if err != nil {
			return fmt.Errorf("history: copy %s: %w", f.Name, err)
		}
		defer os.Remove(tmp)
		name := cur.ReleaseID + ".parquet"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.parquet", cur.ReleaseID, i)
		}
		files = append(files, publish.LocalFile{Name: name, Path: tmp, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256})
	}
	g := *cur
	g.Name, g.Warnings = cur.ReleaseID, nil
	if _, err := rt.tx.Publish(ctx, publish.Commit{Partition: HistoryPartition(p), Group: g, Local: files}); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	r.logger.Info("published vintage copied to history", "job", job.Name, "partition", p.Path, "release_id", cur.ReleaseID)
	return nil
}

// download copies a lake object to a spool file and returns its path.
func (r *Runner) download(ctx context.Context, key string) (string, error) {
	rc, err := r.opts.Lake.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	f, err := os.CreateTemp(r.opts.SpoolDir, "history-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// contents returns the content fingerprint of each versioned partition of
// col, for the input record.
func contents(job *Job, col *collector) map[string]string {
	var out map[string]string
	for path, d := range col.data {
		c := contentOf(job, d)
		if d.matchedV1 != "" {
			c = d.matchedV1
		}
		if c != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[path] = c
		}
	}
	return out
}

// publishedOutcome tells, without parsing, what an input processed before
// (its record rec, its hash sha) is to the partition whose manifest is m
// and published group g: unchanged when g was built from it or holds the
// same content; superseded when a newer vintage is published and this one
// is in history. ok is false when the input must be processed again. The
// result carries the status and row counts.
func (r *Runner) publishedOutcome(ctx context.Context, rec *inputRecord, sha string, m *publish.Manifest, g *publish.Group) (Result, bool) {
	if g == nil {
		return Result{}, false
	}
	switch {
	case publish.SameInputs(g.Inputs, []publish.Input{{SHA256: sha}}):
	case olderRelease(rec.ReleaseID, g.ReleaseID):
		h := r.inHistory(ctx, schema.Partition{Dataset: m.Dataset, Path: m.Partition}, rec.ReleaseID, sha)
		if h == nil {
			return Result{}, false
		}
		return Result{Status: StatusSuperseded, Rows: h.Rows, Quarantined: h.QuarantinedRows}, true
	case rec.Content[m.Partition] != "" && rec.Content[m.Partition] == g.ContentSHA256:
		// An earlier input with the same content is published.
	default:
		return Result{}, false
	}
	return Result{Status: StatusUnchanged, Rows: g.Rows, Quarantined: g.QuarantinedRows}, true
}
