package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
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

// Manifest is a partition's commit record: the complete state of the
// partition after one commit (every group and the immutable data file each
// group's view file is copied from), numbered in the partition's log.
type Manifest struct {
	SchemaVersion int `json:"schema_version"`
	// Seq numbers the partition's commits from 1; Parent is the commit this
	// one replaced (0 for the first). One commit is one snapshot of the
	// partition, so a table format (Iceberg) can be written from the log.
	Seq    int64 `json:"seq"`
	Parent int64 `json:"parent"`
	// Txn names the transaction (a release) this record was staged in; the
	// record is the partition's state only once that transaction's outcome
	// is "committed". Empty: committed by its own write.
	Txn       string  `json:"txn,omitempty"`
	Dataset   string  `json:"dataset"`
	Partition string  `json:"partition"`
	Period    string  `json:"period,omitempty"` // YYYY-MM
	Groups    []Group `json:"groups"`
	// Rows and QuarantinedRows sum the groups.
	Rows            int64     `json:"rows"`
	QuarantinedRows int64     `json:"quarantined_rows"`
	PublishedAt     time.Time `json:"published_at"`
}

// EveryPartner, alone in Group.Partners, is a group that may hold rows of
// every trade partner.
const EveryPartner = "*"

// Group is one independently replaced set of files in a partition.
type Group struct {
	Name      string `json:"name"`
	Job       string `json:"job,omitempty"`
	ReleaseID string `json:"release_id,omitempty"`
	// ContentSHA256 fingerprints the rows' content without provenance
	// (release, URI, input hash, ingest time), independent of row order.
	// A new input with the same fingerprint changes nothing, so the group
	// is left as it is. Empty when not computed. The pipeline decides its
	// form (pipeline/fingerprint.go: "v2:<hex>", or bare hex for version 1
	// and for groups without trade flows); this package only stores it.
	ContentSHA256 string `json:"content_sha256,omitempty"`
	// Partners are the trade partners the group's rows may hold, for a
	// group whose files carry their partners in their identity (census):
	// ISO codes, sorted, or EveryPartner alone. Empty when the writer did
	// not say (other sources, and census groups written before it was
	// recorded: GroupPartners reads those from the group's name).
	Partners        []string         `json:"partners,omitempty"`
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
	Name string `json:"name"` // base name of the view file in the partition directory
	// Key is the immutable data file under _tables/ the view file is a
	// copy of; a reader that follows commits reads it.
	Key    string `json:"key"`
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

// Load reads the latest commit of the partition directory dir: the newest
// record of its log that is committed (it carries no txn, or its
// transaction's outcome is "committed"); staged and aborted records are
// skipped. It returns (nil, nil) when the partition has never been
// committed. It writes nothing. ctx bounds the lists and reads; errors are
// the lake's or a record that does not decode.
func Load(ctx context.Context, l lake.Lake, dir string) (*Manifest, error) {
	m, _, err := resolve(ctx, l, dir, nil)
	return m, err
}

// loadCommit reads commit seq of dir.
func loadCommit(ctx context.Context, l lake.Lake, dir string, seq int64) (*Manifest, error) {
	b, err := lake.ReadAll(ctx, l, LogKey(dir, seq))
	if err != nil {
		return nil, fmt.Errorf("load commit %d of %s: %w", seq, dir, err)
	}
	return decode(b, fmt.Sprintf("commit %d of %s", seq, dir))
}

func decode(b []byte, what string) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	return &m, nil
}

// loadView reads the view's _manifest.json: the commit the view was last
// completely synced to. Nil when there is none or it does not decode (the
// view is then rebuilt whole).
func loadView(ctx context.Context, l lake.Lake, dir string) *Manifest {
	b, err := lake.ReadAll(ctx, l, path.Join(dir, ManifestName))
	if err != nil {
		return nil
	}
	m, err := decode(b, "view manifest of "+dir)
	if err != nil {
		return nil
	}
	return m
}

// logSeqs lists the sequence numbers of dir's commit log, ascending.
func logSeqs(ctx context.Context, l lake.Lake, dir string) ([]int64, error) {
	prefix := logPrefix(dir)
	var out []int64
	for o, err := range l.List(ctx, prefix) {
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(o.Key, prefix)
		num, ok := strings.CutSuffix(name, ".json")
		if !ok || strings.Contains(num, "/") {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n <= 0 {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// file returns the entry of the view file base, or nil.
func (m *Manifest) file(base string) *FileEntry {
	if m == nil {
		return nil
	}
	for i := range m.Groups {
		for j := range m.Groups[i].Files {
			if m.Groups[i].Files[j].Name == base {
				return &m.Groups[i].Files[j]
			}
		}
	}
	return nil
}

// keys returns the immutable data files m references.
func (m *Manifest) keys() map[string]bool {
	out := map[string]bool{}
	if m == nil {
		return out
	}
	for _, g := range m.Groups {
		for _, f := range g.Files {
			out[f.Key] = true
		}
	}
	return out
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

// clone returns a deep copy of m.
func (m *Manifest) clone() *Manifest {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // a Manifest always encodes
	}
	out, err := decode(b, "clone")
	if err != nil {
		panic(err)
	}
	return out
}

// Partitions lists the partition directories under prefix (a dataset
// path such as "trade_flows/source=census/") that have at least one
// committed record, in key order: what a reader that follows commits
// reads, whether or not the view has caught up. A partition whose only
// records are staged or aborted is not listed. ctx bounds the lake calls.
func Partitions(ctx context.Context, l lake.Lake, prefix string) ([]string, error) {
	var dirs []string
	for o, err := range l.List(ctx, TablesRoot+"/"+prefix) {
		if err != nil {
			return nil, fmt.Errorf("list commits under %s: %w", prefix, err)
		}
		dir, _, ok := strings.Cut(strings.TrimPrefix(o.Key, TablesRoot+"/"), "/_log/")
		if ok && (len(dirs) == 0 || dirs[len(dirs)-1] != dir) {
			dirs = append(dirs, dir)
		}
	}
	var out []string
	for _, dir := range dirs {
		m, err := Load(ctx, l, dir)
		if err != nil {
			return nil, err
		}
		if m != nil {
			out = append(out, dir)
		}
	}
	return out, nil
}
