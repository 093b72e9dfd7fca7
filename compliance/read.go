package compliance

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
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

// Figure is one basis's trade for one published period, by category.
type Figure struct {
	// Covers is how many months the figure covers, ending at its period.
	Covers int
	// Values by category (rowCategories); missing categories are zero.
	Values map[reference.Category]apd.Decimal
}

// Series is one basis's monthly trade in the lake, classified.
type Series struct {
	Basis   reference.Basis
	Figures map[civil.Month]*Figure
	// Inputs are the data files read, for the compliance manifest.
	Inputs []publish.Input
	// Notes are things a reader of the report should know (levels mixed).
	Notes []string
}

func newFigure() *Figure { return &Figure{Covers: 1, Values: map[reference.Category]apd.Decimal{}} }

func (f *Figure) add(c reference.Category, v apd.Decimal) {
	f.Values[c] = money.Add(f.Values[c], v)
}

// ReadSeries reads every published trade_flows partition of basis b and
// classifies its rows with cls. ctx bounds the lake calls. A basis with no
// partitions gives an empty series, not an error; unreadable manifests or
// files, rows with bad HS codes and inconsistent covers_months are errors.
func ReadSeries(ctx context.Context, l lake.Lake, b reference.Basis, cls *reference.Classifier) (*Series, error) {
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
	type levelKey struct {
		m     civil.Month
		level int32
	}
	byLevel := map[levelKey]*Figure{}
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
					cl, err := cls.Classify(r.HSCode)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", key, err)
					}
					k := levelKey{month, int32(len(r.HSCode))}
					fig := byLevel[k]
					if fig == nil {
						fig = newFigure()
						fig.Covers = int(r.CoversMonths)
						byLevel[k] = fig
					}
					if int(r.CoversMonths) != fig.Covers {
						return nil, fmt.Errorf("%s: rows for %s cover %d and %d months", key, month, fig.Covers, r.CoversMonths)
					}
					fig.add(cl.Category, money.FromCents(r.ValueUSD))
				}
			}
		}
	}
	levels := map[civil.Month][]int32{}
	for k := range byLevel {
		levels[k.m] = append(levels[k.m], k.level)
	}
	for m, ls := range levels {
		slices.Sort(ls)
		finest := ls[len(ls)-1]
		s.Figures[m] = byLevel[levelKey{m, finest}]
		if len(ls) > 1 {
			s.Notes = append(s.Notes, fmt.Sprintf("%s %s: rows at HS levels %v; used HS%d only", b, m, ls, finest))
		}
	}
	slices.Sort(s.Notes)
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
