package compliance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/parquet-go/parquet-go"
	"golang.org/x/sync/errgroup"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// basisSpec says where a basis's rows are in the lake.
type basisSpec struct {
	prefix            string // trade_flows directory of the source and flow
	reporter, partner string
}

var bases = map[reference.Basis]basisSpec{
	reference.USExports: {prefix: "trade_flows/source=census/flow=export/", reporter: "US", partner: "CN"},
	reference.CNImports: {prefix: "trade_flows/source=gacc/flow=import/", reporter: "CN", partner: "US"},
}

// rowCategories are the categories a trade_flows row is classified into.
var rowCategories = []reference.Category{
	reference.Manufactured, reference.Agriculture, reference.Energy, reference.Uncovered, reference.Ambiguous,
}

// Figure is one basis's trade for one published period.
type Figure struct {
	// Covers is how many months the figure covers, ending at its period.
	Covers int
	// Cents by HS code as read, at whatever levels the lake holds (summed
	// over the partition's files); Compute classifies and combines them.
	Cents map[string]int64
	// Values by category (rowCategories), set by Compute; missing
	// categories are zero.
	Values map[reference.Category]apd.Decimal
	// Subs by covered sub-category ("agriculture/Cereals"), set by Compute.
	Subs map[string]apd.Decimal
	// Levels are the HS levels of the rows, set by Compute.
	Levels []int
	// RegimeCents holds, for rows that name a customs regime, cents by
	// regime and HS code (included in Cents), so Compute can leave out
	// the regimes Options.ExcludeRegimes names.
	RegimeCents map[string]map[string]int64
}

// Series is one basis's monthly trade in the lake.
type Series struct {
	Basis   reference.Basis
	Figures map[civil.Month]*Figure
	// Inputs are the data files read, for the compliance manifest.
	Inputs []publish.Input
	// Notes are things a reader of the report should know.
	Notes []string
	// Releases are the inputs the rows came from (source, vintage, URI).
	Releases []Release
	seen     map[Release]bool
}

// ReadSeries reads every published trade_flows partition of basis b. ctx
// bounds the lake calls. A basis with no partitions gives an empty series,
// not an error; unreadable manifests or files and inconsistent
// covers_months are errors.
func ReadSeries(ctx context.Context, l lake.Lake, b reference.Basis) (*Series, error) {
	spec, ok := bases[b]
	if !ok {
		return nil, fmt.Errorf("unknown basis %q", b)
	}
	s := &Series{Basis: b, Figures: map[civil.Month]*Figure{}}
	// Follow the commits, not the view: a partition committed whose view
	// a crash left behind is read as committed.
	dirs, err := publish.Partitions(ctx, l, spec.prefix)
	if err != nil {
		return nil, err
	}
	// The partitions are read in parallel, one per core (each is a
	// manifest and a few files, read and decoded independently); their
	// rows are then added up in partition order, so the series, its
	// inputs and releases come out as a sequential read gives them.
	read := make([][]fileRows, len(dirs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, dir := range dirs {
		g.Go(func() error {
			rows, err := readPartition(gctx, l, dir, spec)
			read[i] = rows
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, files := range read {
		for _, f := range files {
			s.Inputs = append(s.Inputs, f.input)
			for i := range f.recs {
				r := &f.recs[i]
				month := civil.DateFromDays(r.Period).MonthOf()
				fig := s.Figures[month]
				if fig == nil {
					fig = &Figure{Covers: int(r.CoversMonths), Cents: map[string]int64{}}
					s.Figures[month] = fig
				}
				if int(r.CoversMonths) != fig.Covers {
					return nil, fmt.Errorf("%s: rows for %s cover %d and %d months", f.key, month, fig.Covers, r.CoversMonths)
				}
				fig.Cents[r.HSCode] += r.ValueUSD
				if r.CustomsRegime != nil {
					fig.addRegime(*r.CustomsRegime, r.HSCode, r.ValueUSD)
				}
				s.noteRelease(Release{Source: r.Source, ReleaseID: r.ReleaseID, URI: r.SourceURI})
			}
		}
	}
	return s, nil
}

// fileRows are the basis's rows of one data file.
type fileRows struct {
	key   string
	input publish.Input
	recs  []flowColumns
}

// readPartition reads the basis's rows of every file of the latest commit
// of partition dir that may hold them; nothing when the partition was
// removed since it was listed.
func readPartition(ctx context.Context, l lake.Lake, dir string, spec basisSpec) ([]fileRows, error) {
	m, err := publish.Load(ctx, l, dir)
	if err != nil || m == nil {
		return nil, err
	}
	var out []fileRows
	for _, g := range m.Groups {
		if !groupMayHold(g.Name, spec.partner) {
			continue // another job's partners: none of its rows are the basis's
		}
		for _, f := range g.Files {
			recs, err := readFlows(ctx, l, f.Key, spec)
			if err != nil {
				return nil, err
			}
			out = append(out, fileRows{key: f.Key, input: publish.Input{URI: "lake:" + f.Key, SHA256: f.SHA256, ReleaseID: g.ReleaseID}, recs: recs})
		}
	}
	return out, nil
}

// groupMayHold reports whether a partition's file group may hold rows of
// partner, by the name the census source gives it (census.Source.FileGroup:
// partner-CN, partners-CN-HK with up to eight ISO codes, partners-all,
// partners-<n>-<hash> for more). Names it cannot read (partners-<n>-<hash>,
// part-00000, a delivery's name) may hold any partner, and are read.
func groupMayHold(name, partner string) bool {
	if p, ok := strings.CutPrefix(name, "partner-"); ok {
		return p == partner
	}
	list, ok := strings.CutPrefix(name, "partners-")
	if !ok || list == "all" {
		return true
	}
	codes := strings.Split(list, "-")
	for _, c := range codes {
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return true // partners-<n>-<hash>
		}
	}
	return slices.Contains(codes, partner)
}

// flowColumns are the trade_flows columns the computation uses (named as
// in schema.TradeFlowRecord). readColumns decodes only these columns'
// chunks: the rest of a file (descriptions, quantities, provenance hashes,
// timestamps) is never decompressed. Files of any writer version read the
// same, since columns are found by name.
type flowColumns struct {
	Period        int32 // days since 1970-01-01
	Reporter      string
	Partner       string
	HSCode        string
	ValueUSD      int64 // cents
	CoversMonths  int32
	CustomsRegime *string
	Source        string
	ReleaseID     string
	SourceURI     string
}

func readFlows(ctx context.Context, l lake.Lake, key string, spec basisSpec) ([]flowColumns, error) {
	// Only the footer and the column chunks readColumns wants are read:
	// a local file in place, an S3 object by ranged GETs (for an
	// all-partner month, most of the file is other partners' rows).
	r, err := lake.OpenReaderAt(ctx, l, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	recs, err := readColumns(r, r.Size(), spec.reporter, spec.partner)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return recs, nil
}

// readColumns reads the flowColumns of the rows of a trade_flows file
// whose reporter and partner are the given ones, column chunk by column
// chunk (parquet-go's GenericReader with a smaller schema converts whole
// rows and was twice as slow as reading them all). An all-partner file
// holds a few percent of China's rows, so it reads as little as it can:
//   - a row group whose partner or reporter statistics (min/max) leave out
//     the wanted one is not decoded at all;
//   - in the others, reporter and partner are decoded first, and the other
//     columns only from the page that holds the first wanted row to the
//     one that holds the last (the offset index; rows are sorted by
//     partner, so those are few pages), converting only wanted rows.
//
// A file that lacks one of the required columns is an error, not zeros;
// customs_regime, added later and nullable, reads as null where missing.
func readColumns(r io.ReaderAt, size int64, reporter, partner string) ([]flowColumns, error) {
	// The page index is read per column chunk when a seek needs it
	// (readChunk), not for every column of the file here.
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, err
	}
	strs := map[string]string{} // the repeated strings, one copy each
	var last string             // most columns repeat one value row after row
	str := func(b []byte) string {
		if string(b) == last {
			return last
		}
		s, ok := strs[string(b)]
		if !ok {
			s = string(b)
			strs[s] = s
		}
		last = s
		return s
	}
	setters := []struct {
		name     string
		optional bool
		set      func(r *flowColumns, v parquet.Value)
	}{
		{"period", false, func(r *flowColumns, v parquet.Value) { r.Period = v.Int32() }},
		{"hs_code", false, func(r *flowColumns, v parquet.Value) { r.HSCode = str(v.ByteArray()) }},
		{"value_usd", false, func(r *flowColumns, v parquet.Value) { r.ValueUSD = v.Int64() }},
		{"covers_months", false, func(r *flowColumns, v parquet.Value) { r.CoversMonths = v.Int32() }},
		{"customs_regime", true, func(r *flowColumns, v parquet.Value) {
			if !v.IsNull() {
				s := str(v.ByteArray())
				r.CustomsRegime = &s
			}
		}},
		{"source", false, func(r *flowColumns, v parquet.Value) { r.Source = str(v.ByteArray()) }},
		{"release_id", false, func(r *flowColumns, v parquet.Value) { r.ReleaseID = str(v.ByteArray()) }},
		{"source_uri", false, func(r *flowColumns, v parquet.Value) { r.SourceURI = str(v.ByteArray()) }},
	}
	leaves := make([]int, len(setters))
	for i, c := range setters {
		leaf, ok := f.Schema().Lookup(c.name)
		switch {
		case ok:
			leaves[i] = leaf.ColumnIndex
		case c.optional:
			leaves[i] = -1
		default:
			return nil, fmt.Errorf("no column %s", c.name)
		}
	}
	keyLeaf := map[string]int{}
	for _, name := range []string{"reporter", "partner"} {
		leaf, ok := f.Schema().Lookup(name)
		if !ok {
			return nil, fmt.Errorf("no column %s", name)
		}
		keyLeaf[name] = leaf.ColumnIndex
	}
	want := map[string][]byte{"reporter": []byte(reporter), "partner": []byte(partner)}
	var out []flowColumns
	buf := make([]parquet.Value, 1024)
	for g, rg := range f.RowGroups() {
		n := rg.NumRows()
		chunks := rg.ColumnChunks()
		if !mayHold(chunks[keyLeaf["reporter"]], want["reporter"]) || !mayHold(chunks[keyLeaf["partner"]], want["partner"]) {
			continue
		}
		// selected[i]: row i of the group has the wanted reporter and
		// partner.
		selected := make([]bool, n)
		for i := range selected {
			selected[i] = true
		}
		for _, name := range []string{"reporter", "partner"} {
			row := int64(0)
			if err := readChunk(chunks[keyLeaf[name]], 0, n, buf, func(v parquet.Value) error {
				if row >= n {
					return fmt.Errorf("more values than the row group's %d rows", n)
				}
				if !bytes.Equal(v.ByteArray(), want[name]) {
					selected[row] = false
				}
				row++
				return nil
			}); err != nil {
				return nil, fmt.Errorf("row group %d column %s: %w", g, name, err)
			}
			if row != n {
				return nil, fmt.Errorf("row group %d column %s: %d values in a row group of %d rows", g, name, row, n)
			}
		}
		lo, hi := int64(0), n
		for lo < n && !selected[lo] {
			lo++
		}
		for hi > lo && !selected[hi-1] {
			hi--
		}
		if lo == hi {
			continue
		}
		base := len(out)
		k := 0
		for _, sel := range selected[lo:hi] {
			if sel {
				k++
			}
		}
		out = slices.Grow(out, k)
		for range k {
			out = append(out, flowColumns{Reporter: reporter, Partner: partner})
		}
		for c, leaf := range leaves {
			if leaf < 0 {
				continue
			}
			set := setters[c].set
			row, k := lo, base
			if err := readChunk(chunks[leaf], lo, hi, buf, func(v parquet.Value) error {
				if row >= hi {
					return errStop
				}
				if selected[row] {
					set(&out[k], v)
					k++
				}
				row++
				return nil
			}); err != nil && !errors.Is(err, errStop) {
				return nil, fmt.Errorf("row group %d column %s: %w", g, setters[c].name, err)
			}
			if row != hi {
				return nil, fmt.Errorf("row group %d column %s: %d values for rows %d to %d", g, setters[c].name, row-lo, lo, hi)
			}
		}
	}
	return out, nil
}

// errStop ends a readChunk early: the rest of the chunk is not wanted.
var errStop = errors.New("stop")

// mayHold reports whether a string column chunk may hold want, by its
// statistics; a chunk without them may.
func mayHold(cc parquet.ColumnChunk, want []byte) bool {
	fc, ok := cc.(*parquet.FileColumnChunk)
	if !ok {
		return true
	}
	lo, hi, ok := fc.Bounds()
	if !ok {
		return true
	}
	return bytes.Compare(lo.ByteArray(), want) <= 0 && bytes.Compare(want, hi.ByteArray()) <= 0
}

// readChunk calls fn with each value of a column chunk of a flat column
// from row from on (seeking by the offset index where the file has one);
// to stops it once the page holding row to-1 is read. fn's error ends it
// and is returned.
func readChunk(cc parquet.ColumnChunk, from, to int64, buf []parquet.Value, fn func(parquet.Value) error) error {
	if fc, ok := cc.(*parquet.FileColumnChunk); ok && from > 0 {
		// Loads the chunk's offset index, which SeekToRow then uses; a
		// file without one is read from its first page instead.
		_, _ = fc.OffsetIndex()
	}
	pages := cc.Pages()
	defer pages.Close()
	if from > 0 {
		if err := pages.SeekToRow(from); err != nil {
			return fmt.Errorf("seek to row %d: %w", from, err)
		}
	}
	row := from
	for row < to {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		row += p.NumRows()
		vr := p.Values()
		for {
			n, err := vr.ReadValues(buf)
			for _, v := range buf[:n] {
				if ferr := fn(v); ferr != nil {
					parquet.Release(p)
					return ferr
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				parquet.Release(p)
				return err
			}
		}
		parquet.Release(p)
	}
	return nil
}

// ParseBasis accepts us_exports or cn_imports, also with a dash as the CLI
// writes them (us-exports).
func ParseBasis(s string) (reference.Basis, error) {
	b := reference.Basis(strings.ReplaceAll(s, "-", "_"))
	if _, ok := bases[b]; !ok {
		return "", fmt.Errorf("basis %q is not us-exports or cn-imports", s)
	}
	return b, nil
}
