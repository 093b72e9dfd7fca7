package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// LocalFile is a finished local file to publish as a data file of a group.
type LocalFile struct {
	Name   string // base name in the partition directory, e.g. part-00000.parquet
	Path   string // local path
	Rows   int64
	Bytes  int64
	SHA256 string
}

// Commit is one group's new version for one partition.
type Commit struct {
	Partition schema.Partition
	// Group describes the group; its Files and Rows are filled in from
	// Local.
	Group Group
	Local []LocalFile
}

// Step names a point in Publish, for fault-injection tests.
type Step int

// The steps of Publish, in order.
const (
	StepData     Step = iota // before each data file is put
	StepManifest             // before the manifest is put
	StepSuccess              // before _SUCCESS is put
	StepCleanup              // before files no longer listed are deleted
)

// Publisher publishes commits to a lake.
type Publisher struct {
	Lake lake.Lake
	// Now stamps manifests; nil means time.Now.
	Now func() time.Time
	// Hook, when set, is called before each step; an error aborts Publish
	// there, as a crash would. Tests use it; production leaves it nil.
	Hook func(Step, string) error
}

func (p *Publisher) hook(s Step, key string) error {
	if p.Hook == nil {
		return nil
	}
	return p.Hook(s, key)
}

// Publish makes c's group the current version of its partition and returns
// the new manifest. ctx bounds every lake call. On error the partition may
// hold some new data files, but the manifest describes a complete earlier
// version, and publishing the same commit again converges.
func (p *Publisher) Publish(ctx context.Context, c Commit) (*Manifest, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	dir := c.Partition.Path
	old, err := Load(ctx, p.Lake, dir)
	if err != nil {
		return nil, err
	}
	g := c.Group
	g.Files = g.Files[:0:0]
	g.Rows = 0
	for _, lf := range c.Local {
		if strings.HasPrefix(lf.Name, "_") || strings.HasPrefix(lf.Name, ".") || strings.Contains(lf.Name, "/") {
			return nil, fmt.Errorf("publish %s: bad data file name %q", dir, lf.Name)
		}
		key := path.Join(dir, lf.Name)
		if err := p.hook(StepData, key); err != nil {
			return nil, err
		}
		if err := putFile(ctx, p.Lake, key, lf.Path); err != nil {
			return nil, fmt.Errorf("publish %s: %w", dir, err)
		}
		g.Files = append(g.Files, FileEntry{Name: lf.Name, Rows: lf.Rows, Bytes: lf.Bytes, SHA256: lf.SHA256})
		g.Rows += lf.Rows
	}
	t := now().UTC()
	g.PublishedAt = t
	m := withGroup(old, c.Partition, g, t)
	body, err := m.encode()
	if err != nil {
		return nil, fmt.Errorf("publish %s: encode manifest: %w", dir, err)
	}
	key := path.Join(dir, ManifestName)
	if err := p.hook(StepManifest, key); err != nil {
		return nil, err
	}
	if err := p.Lake.Put(ctx, key, bytes.NewReader(body)); err != nil {
		return nil, fmt.Errorf("publish %s: %w", dir, err)
	}
	if err := p.settle(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Settle finishes a publish that a crash interrupted after its manifest:
// it writes _SUCCESS if missing and removes files the manifest does not
// list. It is idempotent and cheap (a list and a stat), so callers run it
// whenever they find a partition already up to date.
func (p *Publisher) Settle(ctx context.Context, m *Manifest) error {
	return p.settle(ctx, m)
}

func (p *Publisher) settle(ctx context.Context, m *Manifest) error {
	dir := m.Partition
	key := path.Join(dir, SuccessName)
	if err := p.hook(StepSuccess, key); err != nil {
		return err
	}
	if _, err := p.Lake.Stat(ctx, key); errors.Is(err, lake.ErrNotExist) {
		if err := p.Lake.Put(ctx, key, bytes.NewReader(nil)); err != nil {
			return fmt.Errorf("publish %s: %w", dir, err)
		}
	} else if err != nil {
		return fmt.Errorf("publish %s: %w", dir, err)
	}
	if err := p.hook(StepCleanup, dir); err != nil {
		return err
	}
	if err := removeUnlisted(ctx, p.Lake, dir, m); err != nil {
		return fmt.Errorf("publish %s: %w", dir, err)
	}
	return nil
}

// removeUnlisted deletes data files in dir that m does not list: files of an
// earlier version, or of a publish that crashed before its manifest.
func removeUnlisted(ctx context.Context, l lake.Lake, dir string, m *Manifest) error {
	var stale []string
	for o, err := range l.List(ctx, dir+"/") {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(o.Key, dir+"/")
		if strings.Contains(rel, "/") || strings.HasPrefix(rel, "_") || m.listed(rel) {
			continue
		}
		stale = append(stale, o.Key)
	}
	for _, k := range stale {
		if err := l.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

func putFile(ctx context.Context, l lake.Lake, key, local string) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	return l.Put(ctx, key, f)
}
