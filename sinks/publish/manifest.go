package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Names of the metadata objects in a partition directory. They start with
// "_" so Hive, Athena, Trino and Spark skip them.
const (
	ManifestName = "_manifest.json"
	SuccessName  = "_SUCCESS"
)

// Manifest describes a published partition.
type Manifest struct {
	SchemaVersion int     `json:"schema_version"`
	Dataset       string  `json:"dataset"`
	Partition     string  `json:"partition"`
	Period        string  `json:"period,omitempty"` // YYYY-MM
	Groups        []Group `json:"groups"`
	// Rows and QuarantinedRows sum the groups.
	Rows            int64     `json:"rows"`
	QuarantinedRows int64     `json:"quarantined_rows"`
	PublishedAt     time.Time `json:"published_at"`
}

// Group is one independently replaced set of files in a partition.
type Group struct {
	Name      string `json:"name"`
	Job       string `json:"job,omitempty"`
	ReleaseID string `json:"release_id,omitempty"`
	// ContentSHA256 fingerprints the rows' content without provenance
	// (release, URI, input hash, ingest time), independent of row order.
	// A new input with the same fingerprint changes nothing, so the group
	// is left as it is. Empty when not computed.
	ContentSHA256   string           `json:"content_sha256,omitempty"`
	Files           []FileEntry      `json:"files"`
	Inputs          []Input          `json:"inputs"`
	Rows            int64            `json:"rows"`
	QuarantinedRows int64            `json:"quarantined_rows"`
	Counters        map[string]int64 `json:"counters,omitempty"`
	Warnings        []string         `json:"warnings,omitempty"`
	PublishedAt     time.Time        `json:"published_at"`
}

// FileEntry is a data file of a group.
type FileEntry struct {
	Name   string `json:"name"` // base name within the partition directory
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Input is a raw input a group was built from.
type Input struct {
	URI       string `json:"uri"`
	SHA256    string `json:"sha256"`
	ReleaseID string `json:"release_id,omitempty"`
	RawKey    string `json:"raw_key,omitempty"` // archive copy under raw/
}

// Group returns the group called name, or nil.
func (m *Manifest) Group(name string) *Group {
	if m == nil {
		return nil
	}
	for i := range m.Groups {
		if m.Groups[i].Name == name {
			return &m.Groups[i]
		}
	}
	return nil
}

// SameInputs reports whether two input lists name the same content, in any
// order. URIs may differ: the same bytes under another name are unchanged.
func SameInputs(a, b []Input) bool {
	if len(a) != len(b) {
		return false
	}
	sa := make([]string, len(a))
	sb := make([]string, len(b))
	for i := range a {
		sa[i], sb[i] = a[i].SHA256, b[i].SHA256
	}
	slices.Sort(sa)
	slices.Sort(sb)
	return slices.Equal(sa, sb)
}

// Load reads the manifest of the partition directory dir. It returns
// (nil, nil) when the partition has never been published.
func Load(ctx context.Context, l lake.Lake, dir string) (*Manifest, error) {
	b, err := lake.ReadAll(ctx, l, path.Join(dir, ManifestName))
	if errors.Is(err, lake.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load manifest of %s: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("load manifest of %s: %w", dir, err)
	}
	return &m, nil
}

// listed reports whether base is a data file of m.
func (m *Manifest) listed(base string) bool {
	for _, g := range m.Groups {
		for _, f := range g.Files {
			if f.Name == base {
				return true
			}
		}
	}
	return false
}

func (m *Manifest) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// withGroup returns a copy of m (which may be nil) with g in place of the
// group of the same name, groups sorted by name and totals recomputed.
func withGroup(m *Manifest, p schema.Partition, g Group, now time.Time) *Manifest {
	out := &Manifest{
		SchemaVersion: schema.Version,
		Dataset:       p.Dataset,
		Partition:     p.Path,
		PublishedAt:   now,
	}
	if !p.Month.IsZero() {
		out.Period = p.Month.String()
	}
	if m != nil {
		for _, old := range m.Groups {
			if old.Name != g.Name {
				out.Groups = append(out.Groups, old)
			}
		}
	}
	out.Groups = append(out.Groups, g)
	slices.SortFunc(out.Groups, func(a, b Group) int { return strings.Compare(a.Name, b.Name) })
	for _, grp := range out.Groups {
		out.Rows += grp.Rows
		out.QuarantinedRows += grp.QuarantinedRows
	}
	return out
}
