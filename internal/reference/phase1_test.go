package reference

import (
	"slices"
	"testing"
)

func TestClassify(t *testing.T) {
	c := NewClassifier(USExports, Original)
	cases := []struct {
		hs       string
		coverage Coverage
		category Category
		sub      string
	}{
		// Methanol: the 6-digit line wins over heading 2905 (manufactured).
		{"290511", Covered, Energy, "Refined products"},
		{"2905110000", Covered, Energy, "Refined products"},
		{"290512", Covered, Manufactured, "Other manufactured goods"},
		{"29051200", Covered, Manufactured, "Other manufactured goods"},
		// Heading 2905 holds both energy (methanol) and manufactured lines.
		{"2905", PartlyCovered, Ambiguous, ""},
		// Pipeline gas 2711 21 is not covered; LNG, propane, butane are.
		{"271121", NotCovered, Uncovered, ""},
		{"2711210000", NotCovered, Uncovered, ""},
		{"271111", Covered, Energy, "Liquefied natural gas"},
		{"271112", Covered, Energy, "Refined products"},
		{"271113", Covered, Energy, "Refined products"},
		{"2711", PartlyCovered, Ambiguous, ""},
		// Other LPG is listed at 8 digits: HS6 271119 only partly matches.
		{"27111990", Covered, Energy, "Refined products"},
		{"2711199010", Covered, Energy, "Refined products"},
		{"271119", PartlyCovered, Ambiguous, ""},
		{"27111910", NotCovered, Uncovered, ""},
		// Naphtha is listed at 9 digits.
		{"271012", PartlyCovered, Ambiguous, ""},
		{"27101225", PartlyCovered, Ambiguous, ""},
		{"2710122500", Covered, Energy, "Refined products"},
		{"2710121000", NotCovered, Uncovered, ""},
		{"2710", PartlyCovered, Ambiguous, ""},
		// Petroleum coke at 6 digits; 2713 20 (bitumen) is not covered.
		{"271311", Covered, Energy, "Refined products"},
		{"271312", Covered, Energy, "Refined products"},
		{"271320", NotCovered, Uncovered, ""},
		{"2713", PartlyCovered, Ambiguous, ""},
		// Ordinary 4-digit lines at every length.
		{"1201", Covered, Agriculture, "Oilseeds"},
		{"120190", Covered, Agriculture, "Oilseeds"},
		{"8802400000", Covered, Manufactured, "Aircraft (orders and deliveries)"},
		{"2709", Covered, Energy, "Crude oil"},
		{"270900", Covered, Energy, "Crude oil"},
		{"470321", NotCovered, Uncovered, ""},
		// Hand fixes of the OCR: mannitol and sorbitol are agriculture,
		// only 3809.10 of heading 3809 is.
		{"290543", Covered, Agriculture, "Other agricultural commodities"},
		{"290544", Covered, Agriculture, "Other agricultural commodities"},
		{"290545", Covered, Manufactured, "Other manufactured goods"},
		{"380910", Covered, Agriculture, "Other agricultural commodities"},
		{"380991", NotCovered, Uncovered, ""},
		{"380993", NotCovered, Uncovered, ""},
		{"3809", PartlyCovered, Ambiguous, ""},
		// Census 880000 is not printed: uncovered on the original definition.
		{"880000", NotCovered, Uncovered, ""},
		// Codes shorter than every line under them.
		{"27", PartlyCovered, Ambiguous, ""},
		{"12", PartlyCovered, Ambiguous, ""},
		{"98", NotCovered, Uncovered, ""},
	}
	for _, tc := range cases {
		t.Run(tc.hs, func(t *testing.T) {
			got, err := c.Classify(tc.hs)
			if err != nil {
				t.Fatal(err)
			}
			if got.Coverage != tc.coverage || got.Category != tc.category || got.Subcategory != tc.sub {
				t.Errorf("Classify(%s) = %v %v, want %v %s/%s", tc.hs, got.Coverage, got, tc.coverage, tc.category, tc.sub)
			}
		})
	}
	for _, bad := range []string{"", "27.11", "2711a", " 2711"} {
		if _, err := c.Classify(bad); err == nil {
			t.Errorf("Classify(%q) succeeded", bad)
		}
	}
}

// A code under lines of one class only is not ambiguous.
func TestClassifySameClassBelow(t *testing.T) {
	c := newClassifier([]AnnexLine{
		{HS: "1001", Category: Agriculture, Subcategory: "Cereals"},
		{HS: "100190", Category: Agriculture, Subcategory: "Cereals"},
	})
	got, err := c.Classify("1001")
	if err != nil {
		t.Fatal(err)
	}
	if got.Coverage != Covered || got.Category != Agriculture {
		t.Errorf("Classify(1001) = %v %v", got.Coverage, got)
	}
}

func TestAnnexTable(t *testing.T) {
	lines := Annex()
	// 536 OCR'd lines, 3809 corrected to 380910, 290543 and 290544 added.
	if len(lines) != 538 {
		t.Errorf("%d annex lines, want 538", len(lines))
	}
	counts := map[Category]int{}
	seen := map[string]bool{}
	for _, l := range lines {
		counts[l.Category]++
		if seen[l.HS] {
			t.Errorf("line %s twice", l.HS)
		}
		seen[l.HS] = true
	}
	if counts[Energy] != 10 {
		t.Errorf("%d energy lines, want 10", counts[Energy])
	}
}

func TestFigures(t *testing.T) {
	incr := []struct {
		c    Category
		year int
		want string
	}{
		{Manufactured, 2020, "32.9"}, {Manufactured, 2021, "44.8"},
		{Agriculture, 2020, "12.5"}, {Agriculture, 2021, "19.5"},
		{Energy, 2020, "18.5"}, {Energy, 2021, "33.9"},
		{Services, 2020, "12.8"}, {Services, 2021, "25.1"},
		{AllCovered, 2020, "63.9"}, {AllCovered, 2021, "98.2"},
	}
	for _, tc := range incr {
		got, ok := IncrementBn(tc.c, tc.year)
		if !ok || got.Text('f') != tc.want {
			t.Errorf("IncrementBn(%s, %d) = %s %v, want %s", tc.c, tc.year, got.Text('f'), ok, tc.want)
		}
	}
	if _, ok := IncrementBn(AllCovered, 2022); ok {
		t.Error("increment for 2022")
	}
	if _, ok := IncrementBn(Uncovered, 2020); ok {
		t.Error("increment for uncovered goods")
	}
	base := []struct {
		b    Basis
		c    Category
		def  string
		want string
	}{
		{USExports, AllCovered, PIIEOriginal, "78.8"},
		{CNImports, AllCovered, PIIEOriginal, "108.8"},
		{USExports, AllCovered, PIIERevised, "95.1"},
		{USExports, Manufactured, PIIERevised, "66.5"},
		{CNImports, Energy, PIIERevised, "6.8"},
		{USExports, Services, PIIEFinal, "56.1"},
	}
	for _, tc := range base {
		got, ok := PublishedBaselineBn(tc.b, tc.c, tc.def)
		if !ok || got.Text('f') != tc.want {
			t.Errorf("PublishedBaselineBn(%s, %s, %s) = %s %v, want %s", tc.b, tc.c, tc.def, got.Text('f'), ok, tc.want)
		}
	}
	if _, ok := PublishedBaselineBn(USExports, Manufactured, PIIEOriginal); ok {
		t.Error("the original PIIE tracker published no category baselines")
	}
}

// The revised definition counts Census 880000 (civil aircraft) as
// manufactured goods on the US-exports basis only.
func TestClassifyDefinitions(t *testing.T) {
	cases := []struct {
		b    Basis
		d    Definition
		hs   string
		want Category
	}{
		{USExports, Original, "880000", Uncovered},
		{USExports, Revised, "880000", Manufactured},
		{USExports, Revised, "8800000000", Manufactured},
		{CNImports, Revised, "880000", Uncovered},
		{USExports, Revised, "880240", Manufactured},
		{USExports, Revised, "1201", Agriculture},
		{USExports, Revised, "88", Ambiguous}, // 8801..8805 listed, 8806+ not: HS2 88 cannot be split
		// China's HS-8 naphtha is energy on the GACC basis, on both definitions.
		{CNImports, Original, "27101220", Energy},
		{CNImports, Revised, "27101220", Energy},
		{CNImports, Original, "27101299", Uncovered},
		{USExports, Original, "27101220", Uncovered},
	}
	for _, tc := range cases {
		got, err := NewClassifier(tc.b, tc.d).Classify(tc.hs)
		if err != nil {
			t.Fatal(err)
		}
		if got.Category != tc.want {
			t.Errorf("%s %s Classify(%s) = %v, want %s", tc.b, tc.d, tc.hs, got, tc.want)
		}
	}
	if _, err := ParseDefinition("newest"); err == nil {
		t.Error("ParseDefinition accepted newest")
	}
	if n := len(NationalLines()); n != 2 {
		t.Errorf("%d national lines, want 2", n)
	}
}

func TestCombine(t *testing.T) {
	c := NewClassifier(USExports, Original)
	cases := []struct {
		name      string
		in        map[string]int64
		want      map[Category]int64
		ambiguous []string
		overlaps  []string
		levels    []int
	}{
		{
			name: "HS6 alone leaves 271012 ambiguous",
			in:   map[string]int64{"271012": 1000, "120190": 500},
			want: map[Category]int64{Ambiguous: 1000, Agriculture: 500}, ambiguous: []string{"271012"}, levels: []int{6},
		},
		{
			name: "HS10 detail splits 271012, no dollar twice",
			in:   map[string]int64{"271012": 1000, "2710122500": 700, "2710121000": 300, "120190": 500},
			want: map[Category]int64{Energy: 700, Uncovered: 300, Agriculture: 500}, levels: []int{6, 10},
		},
		{
			name: "partial detail: the residual keeps the coarse code's class",
			in:   map[string]int64{"271012": 1000, "2710122500": 700},
			want: map[Category]int64{Energy: 700, Ambiguous: 300}, ambiguous: []string{"271012"}, levels: []int{6, 10},
		},
		{
			name: "finer rows above the coarse figure win",
			in:   map[string]int64{"271012": 1000, "2710122500": 1200},
			want: map[Category]int64{Energy: 1200}, overlaps: []string{"271012"}, levels: []int{6, 10},
		},
		{
			name: "HS2 total beside HS6 detail: only the residual at HS2",
			in:   map[string]int64{"12": 900, "120190": 500, "120100": 300},
			want: map[Category]int64{Agriculture: 800, Ambiguous: 100}, ambiguous: []string{"12"}, levels: []int{2, 6},
		},
		{
			name: "three levels nest",
			in:   map[string]int64{"27": 2000, "271012": 1000, "2710122500": 700, "270900": 400},
			want: map[Category]int64{Energy: 1100, Ambiguous: 900}, ambiguous: []string{"27", "271012"}, levels: []int{2, 6, 10},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Combine(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, cat := range []Category{Manufactured, Agriculture, Energy, Uncovered, Ambiguous} {
				if got.Cents[cat] != tc.want[cat] {
					t.Errorf("%s = %d, want %d", cat, got.Cents[cat], tc.want[cat])
				}
			}
			if !slices.Equal(got.AmbiguousCodes, tc.ambiguous) || !slices.Equal(got.Overlaps, tc.overlaps) || !slices.Equal(got.Levels, tc.levels) {
				t.Errorf("ambiguous %v overlaps %v levels %v; want %v %v %v", got.AmbiguousCodes, got.Overlaps, got.Levels, tc.ambiguous, tc.overlaps, tc.levels)
			}
		})
	}
	if _, err := c.Combine(map[string]int64{"27.10": 1}); err == nil {
		t.Error("Combine accepted a code with a dot")
	}
}

func TestPublishedTracker(t *testing.T) {
	tr, ok := PublishedTracker(USExports, PIIEOriginal, "2020-04")
	if !ok || tr.YTDBn.Text('f') != "20.4" || tr.TargetYTDBn.Text('f') != "47.6" {
		t.Errorf("Jan–Apr 2020 = %v %v", tr, ok)
	}
	if _, ok := PublishedTracker(USExports, PIIERevised, "2020-04"); ok {
		t.Error("a revised-definition figure for April 2020 that the table does not carry")
	}
}
