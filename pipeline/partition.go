package pipeline

// One data partition of one release, from its spool file to its commit:
// the lease, the unchanged and vintage checks, the partition's quarantine,
// its history, then the commit.

import (
	"context"
	"fmt"
	"os"

	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
	"go.opentelemetry.io/otel/trace"
)

// publishPartition takes data partition d of rel from its spool file to
// its staged record in the release's transaction, under the partition's
// lease (held by rt until the transaction's views are refreshed).
func (r *Runner) publishPartition(ctx context.Context, rt *releaseTxn, job *Job, rel *sources.Release, col *collector, d *dataPart, group string, inputs []publish.Input) (res Result) {
	ctx, span := r.opts.Tracer.Start(ctx, "partition", trace.WithAttributes(attrJob.String(job.Name), attrPartition.String(d.p.Path)))
	defer func() { endPartition(span, res) }()
	res = Result{Job: job.Name, Partition: d.p.Path, Month: d.p.Month, Input: rel.URI, InputSHA256: rel.SHA256}
	if d.w != nil {
		res.Rows = d.w.Rows()
	}
	res.Quarantined = d.quarantined
	if err := rt.leases.lock(d.p.Path); err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	old, err := rt.tx.Load(ctx, d.p.Path)
	if err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	if err := partnerClash(job, old, d.p.Path, group); err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	stale := staleGroups(job, old, group)
	cur := old.Group(group)
	if cur == nil {
		// The job's file under its former name is the vintage this
		// release replaces (and the one history must keep).
		cur = newestGroup(old, stale)
	}
	if g := old.Group(group); g != nil && publish.SameInputs(g.Inputs, inputs) && len(stale) == 0 {
		if err := rt.tx.Settle(ctx, old); err != nil {
			res.Status, res.Err = StatusFailed, err
			return res
		}
		res.Status = StatusUnchanged
		return res
	}
	if st, err := r.checkVintage(ctx, rt, job, rel, d, old, cur, inputs); st != "" {
		res.Status, res.Err = st, err
		return res
	}
	// Quarantine first: once the data manifest names this input, the run
	// counts as done, so everything else it writes must already be there.
	if q := col.quarantineFor(d.p); q != nil {
		if err := r.publishQuarantine(ctx, rt, job, q, group, inputs, rel); err != nil {
			res.Status, res.Err = StatusFailed, err
			return res
		}
	} else if err := r.clearQuarantine(ctx, rt, job, d.p, group, inputs, rel); err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	var local []publish.LocalFile
	f, err := closeSpool(d)
	if f != nil {
		defer d.dropSpool()
		f.Name = group + ".parquet"
		local = append(local, *f)
	}
	if err == nil {
		err = r.publishHistory(ctx, rt, job, rel, d, f, inputs, cur)
	}
	if err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	sctx, stage := r.opts.Tracer.Start(ctx, "stage", trace.WithAttributes(attrPartition.String(d.p.Path)))
	_, err = rt.tx.Publish(sctx, publish.Commit{
		Partition: d.p,
		Group: publish.Group{
			Name: group, Job: job.Name, ReleaseID: rel.ReleaseID, Inputs: inputs,
			ContentSHA256: contentOf(job, d), Partners: partnersOf(job), QuarantinedRows: d.quarantined,
			Counters: col.counters, Warnings: col.warnings,
		},
		Local: local,
	})
	if err == nil {
		err = r.dropGroups(sctx, rt, job, d.p, stale, inputs, rel)
	}
	endSpan(stage, err)
	if err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	res.Status = StatusWritten
	return res
}

// staleGroups are the groups of job in partition m, other than group,
// that still have files. A job that is not per delivery has one file per
// partition, so a file it wrote under another name (part-00000 of the
// layout before partners were in the file identity, or a partner set the
// job no longer has) would count its rows twice in the view; the release
// drops them in its transaction.
func staleGroups(job *Job, m *publish.Manifest, group string) []string {
	if job.PerDelivery || m == nil {
		return nil
	}
	var out []string
	for _, g := range m.Groups {
		if g.Job == job.Name && g.Name != group && len(g.Files) > 0 {
			out = append(out, g.Name)
		}
	}
	return out
}

// partnersOf is the partner set job's groups record in the manifest
// (publish.Group.Partners), nil for a job that is not partner-scoped.
func partnersOf(job *Job) []string {
	ps, ok := job.Parser.(sources.PartnerScoped)
	if !ok || job.PerDelivery {
		return nil
	}
	if p := ps.Partners(); p != nil {
		return p
	}
	return []string{publish.EveryPartner}
}

// partnerClash refuses a partner-scoped job's file in partition m (dir)
// when a group of another job there holds one of its partners: the two
// files would both be read for the month, and their common partners'
// rows counted twice. tradepipe validate catches that within one config;
// this is the check for jobs of different configs, different daemons or
// a renamed job, made under the partition's lease so that of two such
// releases the second sees the first. A group of the same name is the
// file this release replaces, and a group whose partners are unknown (a
// layout before partners were recorded or named) is not judged.
func partnerClash(job *Job, m *publish.Manifest, dir, group string) error {
	ps, ok := job.Parser.(sources.PartnerScoped)
	if !ok || job.PerDelivery || m == nil {
		return nil
	}
	mine := ps.Partners()
	for _, g := range m.Groups {
		if g.Job == job.Name || g.Name == group || len(g.Files) == 0 {
			continue
		}
		theirs, ok := groupPartners(ps, &g)
		if !ok {
			continue
		}
		if common := reference.PartnerOverlap(mine, theirs); common != "" {
			// Two sets of every partner meet only under one name,
			// partners-all, which is replaced above: common is a code.
			return fmt.Errorf("partition %s: job %s writes partner %s, which file %s of job %s holds: the month would count those rows twice; give the jobs disjoint partners, or, if job %s is gone from the config (renamed, or given other partners), take its files out with tradepipe retire %s", dir, job.Name, common, g.Name, g.Job, g.Job, g.Job)
		}
	}
	return nil
}

// groupPartners is the partner set of g (nil for every partner): the one
// recorded in the manifest, else the one its name gives.
func groupPartners(ps sources.PartnerScoped, g *publish.Group) ([]string, bool) {
	switch {
	case len(g.Partners) == 1 && g.Partners[0] == publish.EveryPartner:
		return nil, true
	case len(g.Partners) > 0:
		return g.Partners, true
	}
	return ps.GroupPartners(g.Name)
}

// newestGroup returns the group among names with the newest release, or
// nil.
func newestGroup(m *publish.Manifest, names []string) *publish.Group {
	var best *publish.Group
	for _, n := range names {
		if g := m.Group(n); g != nil && (best == nil || olderRelease(best.ReleaseID, g.ReleaseID)) {
			best = g
		}
	}
	return best
}

// dropGroups commits partition p without the files of the named groups.
func (r *Runner) dropGroups(ctx context.Context, rt *releaseTxn, job *Job, p schema.Partition, names []string, inputs []publish.Input, rel *sources.Release) error {
	for _, n := range names {
		if _, err := rt.tx.Publish(ctx, publish.Commit{
			Partition: p,
			Group:     publish.Group{Name: n, Job: job.Name, ReleaseID: rel.ReleaseID, Inputs: inputs},
		}); err != nil {
			return fmt.Errorf("drop %s/%s: %w", p.Path, n, err)
		}
	}
	return nil
}

func quarantineGroup(job *Job, group string) string { return job.Name + "-" + group }

func (r *Runner) publishQuarantine(ctx context.Context, rt *releaseTxn, job *Job, q *quarantinePart, group string, inputs []publish.Input, rel *sources.Release) error {
	if err := rt.leases.lock(q.p.Path); err != nil {
		return err
	}
	f, err := q.w.Close()
	if err != nil {
		return err
	}
	defer os.Remove(f.Path)
	name := quarantineGroup(job, group)
	old, err := rt.tx.Load(ctx, q.p.Path)
	if err != nil {
		return err
	}
	_, err = rt.tx.Publish(ctx, publish.Commit{
		Partition: q.p,
		Group:     publish.Group{Name: name, Job: job.Name, ReleaseID: rel.ReleaseID, Inputs: inputs, QuarantinedRows: f.Rows},
		Local:     []publish.LocalFile{{Name: name + ".parquet", Path: f.Path, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256}},
	})
	if err != nil {
		return err
	}
	return r.dropGroups(ctx, rt, job, q.p, staleGroups(job, old, name), inputs, rel)
}

// clearQuarantine drops the job's files from the quarantine partition of
// p when this release quarantined none there. beginRelease left its lease
// out when it found, under p's lease, nothing of the job's there: then
// there is nothing to drop. A partition found only while publishing (a
// withdrawn month) has its quarantine's lease taken here, as its own was.
func (r *Runner) clearQuarantine(ctx context.Context, rt *releaseTxn, job *Job, p schema.Partition, group string, inputs []publish.Input, rel *sources.Release) error {
	qp := schema.QuarantineOf(p)
	if rt.unleasedQuarantine[qp.Path] && !rt.leases.held[qp.Path] {
		return nil
	}
	if err := rt.leases.lock(qp.Path); err != nil {
		return err
	}
	old, err := rt.tx.Load(ctx, qp.Path)
	if err != nil {
		return err
	}
	return r.dropGroups(ctx, rt, job, qp, quarantineToClear(job, old, quarantineGroup(job, group)), inputs, rel)
}

// quarantineToClear returns the groups of job with files in quarantine
// state m that a release quarantining nothing there drops: its group
// name and any former name of it.
func quarantineToClear(job *Job, m *publish.Manifest, name string) []string {
	stale := staleGroups(job, m, name)
	if g := m.Group(name); g != nil && len(g.Files) > 0 {
		stale = append(stale, name)
	}
	return stale
}
