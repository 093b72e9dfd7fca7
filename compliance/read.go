package compliance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/parquet-go/parquet-go"

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
	for _, dir := range dirs {
		m, err := publish.Load(ctx, l, dir)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue // removed between list and load
		}
		for _, g := range m.Groups {
			for _, f := range g.Files {
				key := f.Key
				recs, err := readFlows(ctx, l, key)
				if err != nil {
					return nil, err
				}
				s.Inputs = append(s.Inputs, publish.Input{URI: "lake:" + key, SHA256: f.SHA256, ReleaseID: g.ReleaseID})
				for i := range recs {
					r := &recs[i]
					if r.Reporter != spec.reporter || r.Partner != spec.partner {
						continue
					}
					month := civil.DateFromDays(r.Period).MonthOf()
					fig := s.Figures[month]
					if fig == nil {
						fig = &Figure{Covers: int(r.CoversMonths), Cents: map[string]int64{}}
						s.Figures[month] = fig
					}
					if int(r.CoversMonths) != fig.Covers {
						return nil, fmt.Errorf("%s: rows for %s cover %d and %d months", key, month, fig.Covers, r.CoversMonths)
					}
					fig.Cents[r.HSCode] += r.ValueUSD
					if r.CustomsRegime != nil {
						fig.addRegime(*r.CustomsRegime, r.HSCode, r.ValueUSD)
					}
					s.noteRelease(Release{Source: r.Source, ReleaseID: r.ReleaseID, URI: r.SourceURI})
				}
			}
		}
	}
	return s, nil
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

func readFlows(ctx context.Context, l lake.Lake, key string) ([]flowColumns, error) {
	b, err := lake.ReadAll(ctx, l, key)
	if err != nil {
		return nil, err
	}
	recs, err := readColumns(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return recs, nil
}

// readColumns reads the flowColumns of every row of a trade_flows file,
// column chunk by column chunk (parquet-go's GenericReader with a smaller
// schema converts whole rows and was twice as slow as reading them all). A
// file that lacks one of the required columns is an error, not zeros;
// customs_regime, added later and nullable, reads as null where missing.
func readColumns(r io.ReaderAt, size int64) ([]flowColumns, error) {
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, err
	}
	out := make([]flowColumns, f.NumRows())
	strs := map[string]string{} // the repeated strings, one copy each
	str := func(b []byte) string {
		if s, ok := strs[string(b)]; ok {
			return s
		}
		s := string(b)
		strs[s] = s
		return s
	}
	setters := []struct {
		name     string
		optional bool
		set      func(r *flowColumns, v parquet.Value)
	}{
		{"period", false, func(r *flowColumns, v parquet.Value) { r.Period = v.Int32() }},
		{"reporter", false, func(r *flowColumns, v parquet.Value) { r.Reporter = str(v.ByteArray()) }},
		{"partner", false, func(r *flowColumns, v parquet.Value) { r.Partner = str(v.ByteArray()) }},
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
	buf := make([]parquet.Value, 1024)
	for _, c := range setters {
		leaf, ok := f.Schema().Lookup(c.name)
		if !ok {
			if c.optional {
				continue
			}
			return nil, fmt.Errorf("no column %s", c.name)
		}
		row := 0
		for _, rg := range f.RowGroups() {
			start := row
			if err := readChunk(rg.ColumnChunks()[leaf.ColumnIndex], buf, func(v parquet.Value) error {
				if row >= len(out) {
					return fmt.Errorf("column %s: more values than the file's %d rows", c.name, len(out))
				}
				c.set(&out[row], v)
				row++
				return nil
			}); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
			if int64(row-start) != rg.NumRows() {
				return nil, fmt.Errorf("column %s: %d values in a row group of %d rows", c.name, row-start, rg.NumRows())
			}
		}
	}
	return out, nil
}

// readChunk calls fn with each value of a column chunk of a flat column.
func readChunk(cc parquet.ColumnChunk, buf []parquet.Value, fn func(parquet.Value) error) error {
	pages := cc.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
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
