package reference

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/cockroachdb/apd/v3"
)

// phase1_annex_6_1.tsv: the Attachment to Annex 6.1 of the Phase One
// agreement (HS prefix, category, sub-category, description), from the OCR
// in mwaugh0328/tradewar-tracker; see the file's header.
//
//go:embed phase1_annex_6_1.tsv
var annexTSV string

// phase1_national_lines.tsv: lines trackers count that the Attachment does
// not print (Census 880000); see the file's header.
//
//go:embed phase1_national_lines.tsv
var nationalTSV string

// phase1_figures.tsv: the treaty increments (Art. 6.2.1) and PIIE's
// published 2017 baselines, in USD billions; see the file's header.
//
//go:embed phase1_figures.tsv
var figuresTSV string

// Category is a Phase One purchase category, as the compliance dataset
// names it.
type Category string

// Categories. The three goods categories and services are the treaty's;
// AllCovered sums the goods categories; Uncovered and Ambiguous hold goods
// outside Annex 6.1 and goods the classifier cannot place (see Classify).
const (
	Manufactured Category = "manufactured_goods"
	Agriculture  Category = "agriculture"
	Energy       Category = "energy"
	Services     Category = "services"
	AllCovered   Category = "all_covered"
	Uncovered    Category = "uncovered"
	Ambiguous    Category = "ambiguous"
)

// GoodsCategories are the covered goods categories, in report order.
var GoodsCategories = []Category{Manufactured, Agriculture, Energy}

// Basis is one of the two measures of China's purchases the agreement
// accepts (Art. 6.2.6).
type Basis string

// Bases.
const (
	USExports Basis = "us_exports" // US exports to China, Census, f.a.s.
	CNImports Basis = "cn_imports" // China's imports from the US, GACC, c.i.f.
)

// Bases lists the bases in report order.
var Bases = []Basis{USExports, CNImports}

// Baseline definitions: which published 2017 baseline to use.
const (
	PIIEOriginal = "piie_original" // PIIE tracker, May 2020: all covered goods only
	PIIERevised  = "piie_revised"  // PIIE tracker, Oct 2020: per category
	PIIEFinal    = "piie_final"    // PIIE final assessment: services
)

// AnnexLine is one line of the Attachment to Annex 6.1.
type AnnexLine struct {
	HS          string // prefix as printed: 4, 6, 8 or 9 digits
	Category    Category
	Subcategory string
	Description string
}

// NationalLine is a line a reporting country's data needs beside the
// Attachment's (see phase1_national_lines.tsv).
type NationalLine struct {
	AnnexLine
	Basis Basis
	// Definition is the product set the line belongs to; "all" for every
	// one.
	Definition Definition
	Source     string
}

var national = sync.OnceValues(func() ([]NationalLine, error) {
	var out []NationalLine
	for i, line := range strings.Split(nationalTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return nil, fmt.Errorf("embedded national lines line %d: %d fields, want 7", i+1, len(f))
		}
		b, c := Basis(f[0]), Category(f[3])
		if b != USExports && b != CNImports {
			return nil, fmt.Errorf("embedded national lines line %d: basis %q", i+1, f[0])
		}
		if _, err := ParseDefinition(f[1]); err != nil && f[1] != "all" {
			return nil, fmt.Errorf("embedded national lines line %d: %w", i+1, err)
		}
		if c != Manufactured && c != Agriculture && c != Energy {
			return nil, fmt.Errorf("embedded national lines line %d: category %q", i+1, f[3])
		}
		if !digits(f[2]) {
			return nil, fmt.Errorf("embedded national lines line %d: hs %q", i+1, f[2])
		}
		out = append(out, NationalLine{
			AnnexLine: AnnexLine{HS: f[2], Category: c, Subcategory: f[4], Description: f[5]},
			Basis:     b, Definition: Definition(f[1]), Source: f[6],
		})
	}
	return out, nil
})

// NationalLines returns the lines of phase1_national_lines.tsv.
func NationalLines() []NationalLine {
	l, err := national()
	if err != nil {
		panic(err) // the embedded table is part of the binary; tests cover it
	}
	return l
}

type figures struct {
	increments map[Category]map[int]apd.Decimal // USD billions
	baselines  map[string]apd.Decimal           // basis|category|definition → USD billions
	trackers   map[string]Tracked               // basis|definition|YYYY-MM
}

// Tracked is a figure PIIE's tracker published for January through a
// month, in USD billions.
type Tracked struct {
	YTDBn, TargetYTDBn apd.Decimal
	Source             string
}

var annex = sync.OnceValues(func() ([]AnnexLine, error) {
	var out []AnnexLine
	for i, line := range strings.Split(annexTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("embedded annex 6.1 line %d: %d fields, want 4", i+1, len(f))
		}
		c := Category(f[1])
		if c != Manufactured && c != Agriculture && c != Energy {
			return nil, fmt.Errorf("embedded annex 6.1 line %d: category %q", i+1, f[1])
		}
		if !digits(f[0]) {
			return nil, fmt.Errorf("embedded annex 6.1 line %d: hs %q", i+1, f[0])
		}
		out = append(out, AnnexLine{HS: f[0], Category: c, Subcategory: f[2], Description: f[3]})
	}
	return out, nil
})

var phase1 = sync.OnceValues(func() (*figures, error) {
	fg := &figures{increments: map[Category]map[int]apd.Decimal{}, baselines: map[string]apd.Decimal{}, trackers: map[string]Tracked{}}
	for i, line := range strings.Split(figuresTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		bad := func(why string) error { return fmt.Errorf("embedded phase one figures line %d: %s", i+1, why) }
		switch {
		case f[0] == "increment" && len(f) == 5:
			y, err := strconv.Atoi(f[2])
			if err != nil {
				return nil, bad("year")
			}
			var d apd.Decimal
			if _, _, err := d.SetString(f[3]); err != nil {
				return nil, bad("amount")
			}
			c := Category(f[1])
			if fg.increments[c] == nil {
				fg.increments[c] = map[int]apd.Decimal{}
			}
			fg.increments[c][y] = d
		case f[0] == "baseline" && len(f) == 6:
			var d apd.Decimal
			if _, _, err := d.SetString(f[4]); err != nil {
				return nil, bad("amount")
			}
			fg.baselines[f[1]+"|"+f[2]+"|"+f[3]] = d
		case f[0] == "tracker" && len(f) == 7:
			var tr Tracked
			if _, _, err := tr.YTDBn.SetString(f[4]); err != nil {
				return nil, bad("ytd amount")
			}
			if _, _, err := tr.TargetYTDBn.SetString(f[5]); err != nil {
				return nil, bad("target amount")
			}
			tr.Source = f[6]
			fg.trackers[f[1]+"|"+f[2]+"|"+f[3]] = tr
		default:
			return nil, bad("unknown line kind or field count")
		}
	}
	return fg, nil
})

func mustFigures() *figures {
	f, err := phase1()
	if err != nil {
		panic(err) // the embedded table is part of the binary; tests cover it
	}
	return f
}

// Annex returns the lines of the Attachment to Annex 6.1, in printed order.
func Annex() []AnnexLine {
	l, err := annex()
	if err != nil {
		panic(err) // the embedded table is part of the binary; tests cover it
	}
	return l
}

// IncrementBn returns the treaty's increment over the 2017 baseline for a
// category and year, in USD billions. AllCovered is the sum of the goods
// categories. ok is false outside 2020 and 2021 and for categories without
// a commitment (Uncovered, Ambiguous).
func IncrementBn(c Category, year int) (apd.Decimal, bool) {
	fg := mustFigures()
	if c == AllCovered {
		var sum apd.Decimal
		for _, g := range GoodsCategories {
			v, ok := fg.increments[g][year]
			if !ok {
				return apd.Decimal{}, false
			}
			if _, err := apd.BaseContext.Add(&sum, &sum, &v); err != nil {
				return apd.Decimal{}, false
			}
		}
		return sum, true
	}
	v, ok := fg.increments[c][year]
	return v, ok
}

// PublishedBaselineBn returns a published 2017 baseline in USD billions:
// definition is PIIEOriginal, PIIERevised or PIIEFinal. ok is false when
// that publication has no figure for the basis and category (PIIE's
// original tracker published all covered goods only).
func PublishedBaselineBn(b Basis, c Category, definition string) (apd.Decimal, bool) {
	v, ok := mustFigures().baselines[string(b)+"|"+string(c)+"|"+definition]
	return v, ok
}

// PublishedTracker returns PIIE's published year-to-date figure for basis
// b, baseline definition and month (YYYY-MM); ok is false when PIIE
// published none that the table carries.
func PublishedTracker(b Basis, definition, month string) (Tracked, bool) {
	t, ok := mustFigures().trackers[string(b)+"|"+definition+"|"+month]
	return t, ok
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
