package compliance

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
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

func readFlows(ctx context.Context, l lake.Lake, key string) ([]schema.TradeFlowRecord, error) {
	b, err := lake.ReadAll(ctx, l, key)
	if err != nil {
		return nil, err
	}
	recs, err := parquet.Read[schema.TradeFlowRecord](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return recs, nil
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
